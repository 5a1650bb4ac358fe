"""Multichannel promotion redemption: the front end stores the Engage assignment id on the order (seed 000)."""

import re
from typing import TYPE_CHECKING

from engage_bridge.centra.common import attribute_value
from engage_bridge.centra.order import Order
from engage_bridge.config import BrandConfig
from engage_bridge.errors import MappingError
from engage_bridge.mapping.payments import payment_state

if TYPE_CHECKING:  # built by the redemption handler only: the router decides whether to redeem, with no body
    from engage_bridge.engage.models import PromotionRedemption

# The id goes into a URL path; anything but a GUID-like token would change the path.
_ASSIGNMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")


def promotion_assignment_id(order: Order, cfg: BrandConfig) -> str | None:
    """The assignment id from the order attribute ``cfg.promotion_id_attribute``, if the order carries one."""
    value = attribute_value(order.attributes, cfg.promotion_id_attribute)
    if value is None:
        return None
    if not _ASSIGNMENT_ID.match(value):
        raise MappingError("order", order.reference, f"attributes.{cfg.promotion_id_attribute}", "not an id")
    return value


def promotion_to_redeem(order: Order, cfg: BrandConfig) -> str | None:
    """Redeem only after a successful payment (seed 000); ``None`` when there is nothing to redeem yet."""
    assignment_id = promotion_assignment_id(order, cfg)
    return assignment_id if assignment_id and payment_state(order) == "success" else None


def promotion_redemption() -> "PromotionRedemption":
    from engage_bridge.engage.models import PromotionRedemption  # noqa: PLC0415 - see above

    return PromotionRedemption(redemption_channel="ECOM")
