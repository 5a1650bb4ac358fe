"""The redemption handler's message: the Engage promotion assignment an order used, named with the order's number.

It carries no Centra order, so the redemption handler defines none of the order and customer models (issue 18).
"""

from pydantic import Field

from engage_bridge.messages.order_effect import OrderEffect


class PromotionRedemption(OrderEffect):
    """Redeem the Engage promotion assignment an order used; the router sends it only once payment succeeded."""

    order_number: int
    assignment_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")

    def _order_id(self) -> int:
        return self.order_number

    @property
    def effect_name(self) -> str:
        return f"redemption:{self.assignment_id}"
