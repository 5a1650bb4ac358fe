"""One router invocation's messages, held until its records are routed, then one send per handler queue.

Every handler queue is held, so that an invocation's contacts, e-mails, receipts, redemptions and stock levels go
out in one ``SendMessageBatch`` per queue (and per ten messages) at its end, not one per queue per record routed.
Holding costs the webhook path little: the batch's Centra objects are read together before its records are routed
(``router.read_ahead``), so routing the rest of a batch takes DynamoDB calls only, and the e-mails reach their queue
within issue 18's latency goal (docs/decision-log.md, 2026-12-07, "The router holds contacts and e-mails too").

Nothing is lost for it:

- a record's route mark is taken before its Centra read (``route_marks``: one write, nothing written after the
  send), so another report of the change, here or in another container, is skipped while its messages are held;
- if the sends at the end fail, every held record's mark is given back and the invocation raises (``flush``):
  Lambda deletes none of the batch and SQS delivers all of it again, to be routed again. What did get in is
  deduplicated by the handlers on its business key, as for any ingest message routed twice.

The queues are sent in the order the routing decisions use (contacts, e-mails, receipts, redemptions, stock);
standard queues keep no order between them, and ``sequence`` orders an order's effects from the ledger.

The batch remembers what it holds and, once a flush returned, what it queued (``queued``,
``engage_bridge.queued_messages``): the router skips the very same message from another report of the change
(``already_queued``) instead of queueing it again.
"""

from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Protocol, get_args

from pydantic import BaseModel

from engage_bridge.queued_messages import QueuedMessages
from engage_bridge.routing import Route, Routed

_QUEUE_ORDER: tuple[Route, ...] = get_args(Route)


class HandlerQueues(Protocol):
    def send(self, route: Route, messages: Sequence[BaseModel]) -> None:
        """Enqueue all of ``messages`` on the handler queue for ``route``, or raise."""
        ...


class RoutingBatch:
    """``HandlerQueues`` for one invocation: ``send`` holds, ``flush`` sends each queue's share at once."""

    def __init__(self, queues: HandlerQueues, remembered: QueuedMessages | None = None) -> None:
        self._queues = queues
        self._messages: dict[Route, list[BaseModel]] = {}
        self._releases: list[Callable[[], None]] = []
        self._holding_for_record = False  # this record has held messages (routing is one record at a time)
        self._remembered = remembered or QueuedMessages()  # lives with the container, across its invocations

    def queued(self, routed: Routed) -> bool:
        """The very same message is on its queue a moment ago, or held for this invocation's send (the record
        routing it then gives its mark back with the held ones if that send fails)."""
        seen = self._remembered.seen(routed.route, routed.message)
        if seen == "held":
            self._holding_for_record = True
        return seen is not None

    def send(self, route: Route, messages: Sequence[BaseModel]) -> None:
        self._messages.setdefault(route, []).extend(messages)
        self._remembered.hold(route, messages)
        self._holding_for_record = True

    def release_if_unsent(self, release: Callable[[], None]) -> None:
        """The record just routed gives its mark back (``release``) if its held messages cannot be sent."""
        holding, self._holding_for_record = self._holding_for_record, False
        if holding:
            self._releases.append(release)

    def flush(self) -> None:
        """Send what is held; if a send fails, give every held record's mark back and raise, so that the
        invocation fails and SQS delivers the whole batch again."""
        messages, releases, held = self._messages, self._releases, self._remembered.take_held()
        self.abandon(release=False)
        try:
            for route in sorted(messages, key=_QUEUE_ORDER.index):
                self._queues.send(route, messages[route])
        except BaseException:
            _release(releases)
            raise
        self._remembered.sent(held)

    def abandon(self, *, release: bool = True) -> None:
        """Drop what is held (the invocation fails; SQS delivers its records again) and give their marks back."""
        releases = self._releases
        self._messages, self._releases, self._holding_for_record = {}, [], False
        self._remembered.take_held()  # not sent: their records route again
        if release:
            _release(releases)


def _release(releases: list[Callable[[], None]]) -> None:
    for each in releases:
        with suppress(Exception):  # a mark not given back is taken again by its own report's redelivery
            each()
