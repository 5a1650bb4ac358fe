"""Lifecycle order per order, decided from the ledger: an effect waits until the one it follows is settled.

Engage fires an automation for every ``/orders`` call as it arrives, and a return receipt refunds a purchase
Engage must already hold. Yet the handlers run in parallel, on separate queues, and a predecessor can be held
back (a contact being created elsewhere, a 429) while its successor goes through. So:

- a shipment's e-mail follows the order's confirmation (``email:created:<payment state>``, any of them);
- a return's e-mail follows the e-mail of the shipment it returns goods from;
- a return receipt follows the purchase receipt of that shipment.

Settled means the ledger holds the predecessor as sent, refused for good (failed), or held back by a historical
sync (a backfilled order never e-mails, so its live shipment must not wait for a confirmation that never comes).
An effect whose predecessor is not settled raises ``PredecessorPending``: the consumer counts it as
Retried/PredecessorPending and hides it for Voyado's next retry interval (``retry_cadence``). If the predecessor
is in a DLQ (its dead-letter mark stands, from this redrive round or a later one) the successor cannot settle
before an operator acts: the consumer dead-letters it at once as ``predecessor_dead_lettered``, naming the
predecessor's business key, so a redrive of both runs them in order. Otherwise the queue's ``maxReceiveCount`` (8,
about 22 minutes) dead-letters it if the predecessor never settles. An operator's resend skips the check: the
operator chose to send that one e-mail.
"""

from typing import TYPE_CHECKING, Protocol, TypeIs

from engage_bridge.errors import MappingError, PredecessorPending
from engage_bridge.mapping.context import return_index
from engage_bridge.mapping.lines import returned_lines
from engage_bridge.mapping.payments import PaymentState
from engage_bridge.state import Effect, LedgerEntry

if TYPE_CHECKING:  # each handler defines only its own message at cold start (``_is_email``)
    from engage_bridge.messages import OrderEmail, ReceiptPush


class LedgerRead(Protocol):
    """One ledger row (``DynamoStateStore.ledger_entry``): strongly consistent, or eventually (half a unit)."""

    def __call__(self, effect: Effect, /, *, consistent: bool = True) -> LedgerEntry | None: ...


_PAYMENT_STATES: tuple[PaymentState, ...] = ("success", "pending", "failed")


def _is_email(message: "OrderEmail | ReceiptPush") -> "TypeIs[OrderEmail]":
    """By its ``status``, which only an e-mail has: ``isinstance`` would need both classes here, and so would define
    the receipt handler's message in the e-mail handler and the other way round (issue 18, cold start)."""
    return hasattr(message, "status")


def predecessors(message: "OrderEmail | ReceiptPush") -> tuple[Effect, ...]:
    """The effects ``message`` follows, any one of which settles it; empty if it follows none.

    A return whose shipment cannot be found has no predecessor here: its handler maps it and dead-letters the
    ``MappingError`` with the field, which is the useful report.
    """
    order = message.order
    subject = f"order#{order.number}"
    if _is_email(message):
        if message.status == "shipped":
            return tuple(Effect(subject, f"email:created:{state}") for state in _PAYMENT_STATES)
        if message.status == "returned" and (shipment_id := _returned_from(message, message.return_id)) is not None:
            return (Effect(subject, f"email:shipped:shipment:{shipment_id}"),)
        return ()
    if message.kind == "return" and (shipment_id := _returned_from(message, message.return_id)) is not None:
        return (Effect(subject, f"receipt:purchase:shipment:{shipment_id}"),)
    return ()


def ensure_predecessor_settled(message: "OrderEmail | ReceiptPush", ledger: LedgerRead) -> None:
    """Raise ``PredecessorPending`` unless ``message`` follows nothing, or what it follows is settled."""
    if message.resend is not None:
        return
    waiting_for = predecessors(message)
    if not waiting_for:
        return
    # Settled is final (a settled row is only ever recorded again as sent, failed or historical), so an eventually
    # consistent read that sees it settled is as sure as a strong one, at half the price. Only a row it does not
    # see settled (not yet replicated, or truly pending) is read again, strongly, before the message waits.
    if any(_settled(ledger(effect, consistent=False)) for effect in waiting_for):
        return
    if not any(_settled(ledger(effect)) for effect in waiting_for):
        raise PredecessorPending(message.ledger_effect, waiting_for)


def _settled(entry: LedgerEntry | None) -> bool:
    if entry is None:
        return False
    return entry.state in {"sent", "failed"} or (entry.state == "skipped" and entry.reason == "historical")


def _returned_from(message: "OrderEmail | ReceiptPush", return_id: int | None) -> int | None:
    returned = message.returned(return_id)
    if returned is None:
        return None
    try:
        shipment, _ = returned_lines(message.order, return_index(message.order, returned))
    except MappingError:
        return None
    return shipment.id
