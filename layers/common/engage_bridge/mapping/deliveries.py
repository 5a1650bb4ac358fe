"""Which delivery of an order a shipment is: the part of its number after the order's.

Apart from ``context``: the router names a shipment's e-mail by it and builds no Engage body, so it does not define
the order bodies' parts at cold start (issue 18).
"""

from engage_bridge.centra.order import Order, Shipment
from engage_bridge.errors import MappingError


def delivery_appendix(order: Order, shipment: Shipment) -> str:
    """``"189-1"`` -> ``"1"``; the shipment number must belong to the order."""
    prefix = f"{order.number}-"
    appendix = shipment.number.removeprefix(prefix)
    if not shipment.number.startswith(prefix) or not appendix.isdigit():
        raise MappingError("order", order.reference, "shipments.number", "not '<order number>-<delivery number>'")
    return appendix
