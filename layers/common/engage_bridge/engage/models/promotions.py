"""``POST /api/v3/promotion-assignments/{assignmentId}/redeem``."""

from typing import Literal

from engage_bridge.engage.models.base import EngageModel


class PromotionRedemption(EngageModel):
    """``POST /api/v3/promotion-assignments/{assignmentId}/redeem``."""

    redemption_channel: Literal["ECOM", "POS", "OTHER"] = "ECOM"
