"""Build one resend: the object as Centra holds it now, the handler message, the ledger check, the queue.

A resend goes the same way as the router's own message: onto the handler's queue, as the handler's message
type, carrying the Centra object as it is now. The handler maps, sends and records it as it does every
message, so a resend obeys the brand configuration (e-mails off, restricted stores) like anything else.

What is refused: an e-mail the ledger says was sent, unless forced with a reason. Receipts and contact syncs
are never refused: Engage ignores a receipt whose ``uniqueReceiptId`` it holds, and a contact sync writes the
fields Centra holds now, so sending either again cannot do harm.
"""

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from engage_bridge.centra.client import CentraClient
from engage_bridge.messages import ContactUpsert, OrderEmail, ReceiptPush, ResendRequest
from engage_bridge.state import DynamoStateStore, Effect, LedgerEntry
from engage_bridge_tools.command_line import OperatorError

Route = Literal["order_status", "receipt_push", "contact_upsert"]
QUEUE_OUTPUTS: dict[Route, str] = {
    "order_status": "OrderStatusQueueUrl",
    "receipt_push": "ReceiptPushQueueUrl",
    "contact_upsert": "ContactUpsertQueueUrl",
}
Message = OrderEmail | ReceiptPush | ContactUpsert


@dataclass(frozen=True, slots=True)
class Wanted:
    """What the operator asked to resend (validated by the command's options)."""

    kind: Literal["order-email", "receipt", "contact"]
    order: int | None = None
    status: Literal["created", "shipped", "cancelled", "returned"] | None = None
    shipment: int | None = None
    returned: int | None = None
    customer: int | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    effect: Effect
    entry: LedgerEntry


@dataclass(frozen=True, slots=True)
class Queued:
    message: Message
    route: Route
    ledger_row: Effect | None


def stack_values(cloudformation: Any, stack: str) -> dict[str, str]:
    """The stack's parameters and outputs by name (outputs win)."""
    found = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    values = {p["ParameterKey"]: p.get("ParameterValue", "") for p in found.get("Parameters", [])}
    values.update({o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])})
    return values


def build_message(centra: CentraClient, wanted: Wanted, resend: ResendRequest) -> tuple[Message, Route]:
    """The handler message for ``wanted``, from what Centra holds now; ``OperatorError`` if it does not exist."""
    if wanted.kind == "contact":
        assert wanted.customer is not None  # noqa: S101 - the command requires it
        customer = centra.customer(wanted.customer)
        if customer is None:
            raise OperatorError(f"Centra has no customer {wanted.customer}")
        return ContactUpsert(kind="customer", customer=customer, resend=resend), "contact_upsert"
    assert wanted.order is not None  # noqa: S101 - the command requires it
    order = centra.order(wanted.order)
    if order is None:
        raise OperatorError(f"Centra has no order {wanted.order}")
    if wanted.shipment is not None and not any(s.id == wanted.shipment for s in order.shipments):
        raise OperatorError(f"order {order.number} has no shipment {wanted.shipment}")
    if wanted.returned is not None and not any(r.id == wanted.returned for r in order.returns):
        raise OperatorError(f"order {order.number} has no return {wanted.returned}")
    if wanted.kind == "receipt":
        kind = "purchase" if wanted.shipment is not None else "return"
        receipt = ReceiptPush(
            order=order, kind=kind, shipment_id=wanted.shipment, return_id=wanted.returned, resend=resend
        )
        return receipt, "receipt_push"
    if wanted.status == "cancelled" and order.status.upper() != "CANCELLED":
        raise OperatorError(f"order {order.number} is not cancelled (status {order.status})")
    email = OrderEmail(
        order=order,
        status=wanted.status or "created",
        shipment_id=wanted.shipment,
        return_id=wanted.returned,
        resend=resend,
    )
    return email, "order_status"


def resend(
    centra: CentraClient,
    store: DynamoStateStore,
    sqs: Any,
    queue_urls: dict[Route, str],
    wanted: Wanted,
    *,
    requested_by: str,
    reason: str,
    force: bool,
) -> Refused | Queued:
    """Refuse a sent e-mail unless forced; otherwise record the request in the ledger and queue the message."""
    request = ResendRequest(request_id=str(uuid.uuid4()), requested_by=requested_by, reason=reason, force=force)
    message, route = build_message(centra, wanted, request)
    effect = message.ledger_effect
    if isinstance(message, OrderEmail):
        assert effect is not None  # noqa: S101 - an order e-mail always has its ledger row
        entry = store.ledger_entry(effect)
        if entry is not None and entry.state == "sent" and not force:
            return Refused(effect, entry)
    elif not force:
        # Receipts and contact syncs are safe to send again; they go past the ledger's "sent" unasked.
        message = message.model_copy(update={"resend": request.model_copy(update={"force": True})})
    row = request.ledger_effect(effect) if effect is not None else None
    if row is not None:
        store.record_resend_request(row, requested_by=requested_by, reason=reason, forced=force)
    sqs.send_message(QueueUrl=queue_urls[route], MessageBody=message.model_dump_json())
    return Queued(message, route, row)
