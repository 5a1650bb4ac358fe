"""Purchase and return receipts, for members only (seed 000: sales are registered on members).

Engage ignores a repeated ``uniqueReceiptId``, so a receipt may be resent safely: its ledger row is looked at
before the send, never claimed (``ReceiptPush.ledger_claim``), and a copy in flight at the same time only posts it
again. The ledger still records it after Engage accepted it, because reconciliation reads what was sent from there
and a return receipt waits for its purchase receipt's entry (``sequence``). Engage's 202 means *accepted*: receipts
are queued and imported in intervals, and an import failure shows only in Engage's integration log (Voyado,
introduction to receipts; audit E12). So the ledger says ``<kind>_receipt_accepted``; reconciliation reads the contact's
transactions back and turns it into ``<kind>_receipt_imported``, or reports the receipt as not imported.
"""

from engage_bridge.config import BrandConfig
from engage_bridge.effects.services import Services
from engage_bridge.engage.models import Receipt
from engage_bridge.errors import MappingError
from engage_bridge.identity import linked_customer_id
from engage_bridge.mapping import contact_role, order_contact, purchase_receipt, restriction_reason, return_receipt
from engage_bridge.mapping.context import order_store_id
from engage_bridge.messages import ReceiptPush
from engage_bridge.outcome import Outcome
from engage_bridge.sequence import ensure_predecessor_settled

ACCEPTED = "accepted"  # 202: queued for import; reconciliation confirms the import (reconcile.receipt_imports)


def push_receipt(services: Services, message: ReceiptPush) -> Outcome:
    cfg, order = services.config, message.order
    effect = message.ledger_effect
    if restricted := restriction_reason(order, cfg):
        return Outcome("skipped", f"restricted_{restricted}")
    if contact_role(order.customer, cfg) != "member":
        return Outcome("skipped", "not_a_member")
    if services.already_sent(effect, message.resend):
        return Outcome("skipped", "already_sent")
    # A return receipt never before the purchase receipt it refunds (sequence).
    ensure_predecessor_settled(message, services.store.ledger_entry)

    contact_id, _ = services.contacts.find_or_create(
        order_contact(order, "member", cfg), order_store_id(cfg, order), customer_id=linked_customer_id(order.customer)
    )
    services.engage.post_receipt(_receipt(message, cfg, contact_id).body())
    if not services.store.record(effect, "sent", f"{message.kind}_receipt_{ACCEPTED}") and message.resend is None:
        # A copy that got past the look while another sent it: Engage ignored the repeat; counted once, as sent.
        # (An operator's resend of a sent receipt is sent: the operator asked for the repeat.)
        return Outcome("skipped", "duplicate")
    return Outcome("sent", f"{message.kind}_receipt_{ACCEPTED}")


def _receipt(message: ReceiptPush, cfg: BrandConfig, contact_id: str) -> Receipt:
    order = message.order
    if message.kind == "purchase":
        shipment = message.shipment(message.shipment_id)
        if shipment is None:
            raise MappingError("order", order.reference, "shipments", f"no shipment {message.shipment_id}")
        return purchase_receipt(order, shipment, cfg, contact_id)
    returned = message.returned(message.return_id)
    if returned is None:
        raise MappingError("order", order.reference, "returns", f"no return {message.return_id}")
    return return_receipt(order, returned, cfg, contact_id)
