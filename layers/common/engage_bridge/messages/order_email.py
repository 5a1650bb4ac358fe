"""The order e-mail handler's message: one transactional e-mail about one order."""

from typing import Literal

from pydantic import model_validator

from engage_bridge.messages.orders import AboutAnOrder

OrderStatus = Literal["created", "shipped", "cancelled", "returned"]


class OrderEmail(AboutAnOrder):
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
