"""Transactional e-mails: one Engage ``/orders`` call per order status, shipment and return.

Engage does not deduplicate ``/orders``: every accepted call fires the automation again. So the ledger is
checked first and written right after Engage accepts; and a call that got *no answer* (timeout, dropped
connection, gateway timeout) is taken as sent and never repeated — Engage most likely received it, and a
second e-mail is the failure this bridge promises not to have. It is recorded as ``unconfirmed`` and counted.
An answered 500/502/503 means Engage reported failure, so that one is retried.
"""

from engage_bridge.config import BrandConfig
from engage_bridge.effects.services import Services
from engage_bridge.engage.models import OrderBody
from engage_bridge.engage.outcomes import EngageRetryableError
from engage_bridge.errors import MappingError
from engage_bridge.identity import linked_customer_id
from engage_bridge.mapping import (
    contact_role,
    order_cancelled,
    order_contact,
    order_created,
    order_returned,
    order_shipped,
    restriction_reason,
)
from engage_bridge.mapping.context import order_store_id
from engage_bridge.messages import OrderEmail
from engage_bridge.outcome import Outcome
from engage_bridge.sequence import ensure_predecessor_settled

_NO_ANSWER_STATUSES = frozenset({None, 504})


def send_order_email(services: Services, message: OrderEmail) -> Outcome:
    cfg, order = services.config, message.order
    effect = message.ledger_effect
    if reason := _skip_reason(services, message):
        return Outcome("skipped", reason)
    # A shipment's e-mail never before the confirmation, a return's never before its shipment's (sequence).
    ensure_predecessor_settled(message, services.store.ledger_entry)
    # E-mails are on here, so a customer who is not a member is a transactional contact.
    role = contact_role(order.customer, cfg) or "transactional"

    _body(message, cfg, None)  # mapped before any write, so an unmappable order creates no contact
    # A member's order goes to the contact linked to its customer, whatever e-mail the order was placed under.
    customer_id = linked_customer_id(order.customer) if role == "member" else None
    contact = order_contact(order, role, cfg)
    contact_id, _ = services.contacts.find_or_create(contact, order_store_id(cfg, order), customer_id=customer_id)
    body = _body(message, cfg, contact_id)  # matched by id: the e-mail alone may name a member and a contact
    try:
        services.engage.post_order(body.body())
    except EngageRetryableError as error:
        if not (error.maybe_applied and error.status in _NO_ANSWER_STATUSES):
            raise
        services.store.record(effect, "sent", "unconfirmed")
        return Outcome("sent", "unconfirmed")
    services.store.record(effect, "sent", f"order_{message.status}")
    return Outcome("sent", f"order_{message.status}")


def _skip_reason(services: Services, message: OrderEmail) -> str | None:
    cfg = services.config
    if message.historical:
        return "historical"
    if not cfg.transactional_emails:
        return "transactional_emails_off"
    if restricted := restriction_reason(message.order, cfg):
        return f"restricted_{restricted}"
    if services.already_sent(message.ledger_effect, message.resend):
        return "already_sent"
    return None


def _body(message: OrderEmail, cfg: BrandConfig, contact_id: str | None) -> OrderBody:
    order = message.order
    if message.status == "created":
        return order_created(order, cfg, contact_id)
    if message.status == "cancelled":
        return order_cancelled(order, cfg, contact_id)
    if message.status == "shipped":
        shipment = message.shipment(message.shipment_id)
        if shipment is None:
            raise MappingError("order", order.reference, "shipments", f"no shipment {message.shipment_id}")
        return order_shipped(order, shipment, cfg, contact_id)
    returned = message.returned(message.return_id)
    if returned is None:
        raise MappingError("order", order.reference, "returns", f"no return {message.return_id}")
    return order_returned(order, returned, cfg, contact_id)
