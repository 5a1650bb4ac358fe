"""The order handlers' messages: an order e-mail, a receipt, a promotion redemption, each one effect on one order."""

from abc import abstractmethod
from typing import ClassVar, Literal

from pydantic import Field, computed_field, model_validator

from engage_bridge.centra.order import Order, Return, Shipment
from engage_bridge.messages.base import QueuedMessage
from engage_bridge.state import Effect, LedgerClaim

OrderStatus = Literal["created", "shipped", "cancelled", "returned"]


class OrderEffect(QueuedMessage):
    """A message whose effect belongs to one order: keyed, logged and recorded in the ledger under it."""

    claimed_in_ledger: ClassVar[bool] = True

    @property
    def ledger_claim(self) -> LedgerClaim | None:
        return LedgerClaim(self.ledger_effect) if self.resend is None else None

    @abstractmethod
    def _order_id(self) -> int:
        """The order's number."""

    @property
    @abstractmethod
    def effect_name(self) -> str:
        """Which effect on that order, e.g. ``email:shipped:shipment:3101``."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def business_key(self) -> str:
        return f"order:{self._order_id()}:{self.effect_name}{self._resend_suffix()}"

    @property
    def ledger_effect(self) -> Effect:
        return Effect(f"order#{self._order_id()}", self.effect_name)

    @property
    def correlation_id(self) -> str:
        return f"order:{self._order_id()}"


class _AboutAnOrder(OrderEffect):
    order: Order

    def _order_id(self) -> int:
        return self.order.number

    def shipment(self, shipment_id: int | None) -> Shipment | None:
        return next((s for s in self.order.shipments if s.id == shipment_id), None)

    def returned(self, return_id: int | None) -> Return | None:
        return next((r for r in self.order.returns if r.id == return_id), None)


class OrderEmail(_AboutAnOrder):
    """A transactional e-mail through Engage ``/orders``: one per order status, shipment or return."""

    status: OrderStatus
    shipment_id: int | None = None
    return_id: int | None = None

    @model_validator(mode="after")
    def _names_its_delivery(self) -> "OrderEmail":
        if (self.status == "shipped") != (self.shipment_id is not None):
            raise ValueError("shipment_id is required for, and only for, status shipped")
        if (self.status == "returned") != (self.return_id is not None):
            raise ValueError("return_id is required for, and only for, status returned")
        return self

    @property
    def effect_name(self) -> str:
        """The ledger name of this e-mail: one per shipment (seed 003's split-shipment duplicates), per return,
        and for order creation one per payment state — Centra's plugin mails "order created", "payment
        successful" and "payment failed" separately, all as ORDER_CREATED with their payment status."""
        if self.status == "shipped":
            return f"email:shipped:shipment:{self.shipment_id}"
        if self.status == "returned":
            return f"email:returned:return:{self.return_id}"
        if self.status == "created":
            # Imported here: the functions that only carry messages (webhook, poller) need no mapping at cold start.
            from engage_bridge.mapping.payments import payment_state  # noqa: PLC0415

            return f"email:created:{payment_state(self.order)}"
        return f"email:{self.status}"


class ReceiptPush(_AboutAnOrder):
    """A purchase receipt for a delivered shipment, or a return receipt for a completed return."""

    kind: Literal["purchase", "return"]
    shipment_id: int | None = None
    return_id: int | None = None

    @model_validator(mode="after")
    def _names_its_delivery(self) -> "ReceiptPush":
        if self.kind == "purchase" and (self.shipment_id is None or self.return_id is not None):
            raise ValueError("a purchase receipt names its shipment_id and no return_id")
        if self.kind == "return" and self.return_id is None:
            raise ValueError("a return receipt names its return_id")
        return self

    @property
    def ledger_claim(self) -> LedgerClaim | None:
        """Looked at, not claimed: Engage ignores a repeated ``uniqueReceiptId`` (engage-api.md §3.4), so a copy
        that gets past the look sends again harmlessly; the entry after the send is the receipt's one write."""
        return LedgerClaim(self.ledger_effect, claim_before=False) if self.resend is None else None

    @property
    def effect_name(self) -> str:
        if self.kind == "purchase":
            return f"receipt:purchase:shipment:{self.shipment_id}"
        return f"receipt:return:return:{self.return_id}"


class PromotionRedemption(OrderEffect):
    """Redeem the Engage promotion assignment an order used; the router sends it only once payment succeeded."""

    order_number: int
    assignment_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")

    def _order_id(self) -> int:
        return self.order_number

    @property
    def effect_name(self) -> str:
        return f"redemption:{self.assignment_id}"
