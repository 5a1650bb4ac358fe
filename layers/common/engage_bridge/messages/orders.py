"""The base of the order messages that carry Centra's order: an e-mail and a receipt, each about one delivery.

Each order handler's message is in its own module (``order_email``, ``receipt_push``, ``promotion_redemption``), so
a handler defines only the message it reads (issue 18, cold start).
"""

from engage_bridge.centra.order import Order, Return, Shipment
from engage_bridge.messages.order_effect import OrderEffect


class AboutAnOrder(OrderEffect):
    order: Order

    def _order_id(self) -> int:
        return self.order.number

    def shipment(self, shipment_id: int | None) -> Shipment | None:
        return next((s for s in self.order.shipments if s.id == shipment_id), None)

    def returned(self, return_id: int | None) -> Return | None:
        return next((r for r in self.order.returns if r.id == return_id), None)
