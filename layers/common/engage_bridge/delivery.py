"""The SQS message being applied, for the records that name their owner by it.

Set by the consumer around each record (``consumer.SqsConsumer``); read by the router's route marks and by the
contact-creation claim (``contacts.ContactDirectory``), so that a redelivery of the message that took a mark or a
claim takes it again while another message waits. Its own module, so that code outside the SQS consumer (the
subscription endpoint) can read it without loading the consumer.
"""

from contextvars import ContextVar

from msgspec import Struct


class Delivery(Struct, frozen=True):
    """The SQS record being applied: its message id (the same on every delivery of one message) and whether an
    operator redrove it from a DLQ (a new message then, under a new id)."""

    message_id: str
    redriven: bool


# The router's route mark and the contact-creation claim name the message that took them, so only a redelivery of
# that message takes them again.
current_delivery: ContextVar[Delivery | None] = ContextVar("current_delivery", default=None)
