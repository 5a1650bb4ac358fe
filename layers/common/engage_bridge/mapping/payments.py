"""Payment facts of an order: its payment status tag, and the payment methods Engage lists."""

from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from engage_bridge.centra.order import Order
from engage_bridge.config import BrandConfig

if TYPE_CHECKING:  # an order or receipt body's; the router reads a payment's state only, and builds no body
    from engage_bridge.engage.models import PaymentMethod

PaymentState = Literal["success", "pending", "failed"]

# Payment history entries that say nothing about whether the customer paid: refunds and cancellations
# (PaymentHistoryEntryType, CD:paymenthistoryentrytype; statuses SUCCESS, PENDING, FAILED: DTC).
_NOT_PAYMENTS = frozenset(
    {"REFUND", "REFUND_REQUEST", "REFUND_FAILED", "REFUND_GIFT_CARD", "CANCEL", "CANCEL_REQUEST", "CANCEL_GIFT_CARD"}
)
_SUCCESS = frozenset({"SUCCESS"})
_FAILURE = frozenset({"FAILED"})


def payment_state(order: Order) -> PaymentState:
    """Success once any payment entry succeeded; failed when the latest one failed; otherwise pending."""
    entries = [e for e in order.payment_history if (e.entry_type or "").upper() not in _NOT_PAYMENTS]
    statuses = [(e.status or "").upper() for e in entries]
    if any(status in _SUCCESS for status in statuses):
        return "success"
    if statuses and statuses[-1] in _FAILURE:
        return "failed"
    return "pending"


def payment_status_tag(order: Order, cfg: BrandConfig) -> str:
    tags = cfg.payment_status_tags
    return {"success": tags.success, "pending": tags.pending, "failed": tags.failed}[payment_state(order)]


def payment_methods(order: Order, total: Decimal) -> "list[PaymentMethod]":
    """One entry carrying the whole ``total`` (negative on return receipts); none when the order has no method.

    Centra's plugin sends the method's name as ``type`` and "N/A" as description (seed 001).
    """
    from engage_bridge.engage.models import PaymentMethod  # noqa: PLC0415 - see above

    method = order.payment_method
    if method is None or not method.name:
        return []
    return [PaymentMethod(type=method.name, description="N/A", value=total)]
