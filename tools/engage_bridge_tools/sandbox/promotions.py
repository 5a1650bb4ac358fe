"""Promotion assignments: seeded by the test, redeemed once.

Source: Voyado "redeem a promotion" (v3 body ``{"redemptionChannel"}``; v2 error codes, as the v3 list is
truncated in the archived copy). Redeeming an expired assignment answers 409 ``PromotionExpired``
(assumption, the code Voyado uses when assigning an expired promotion).
"""

from typing import Any

from engage_bridge_tools.sandbox.protocol import Reply, Request, error
from engage_bridge_tools.sandbox.state import SandboxState, now_iso

CHANNELS = ("ECOM", "POS", "OTHER")


def add_promotion(
    state: SandboxState,
    assignment_id: str | None = None,
    *,
    contact_id: str | None = None,
    promotion_id: str | None = None,
    channels: tuple[str, ...] = CHANNELS,
    expired: bool = False,
    redeemed: bool = False,
) -> dict[str, Any]:
    assignment: dict[str, Any] = {
        "id": assignment_id or state.new_id(),
        "promotionId": promotion_id or state.new_id(),
        "contactId": contact_id,
        "redemptionChannels": list(channels),
        "expired": expired,
        "redeemed": redeemed,
        "redeemedOn": now_iso() if redeemed else None,
        "redeemedVia": None,
    }
    state.promotions[assignment["id"]] = assignment
    return assignment


def redeem(state: SandboxState, request: Request) -> Reply:
    channel = request.body["redemptionChannel"]  # the contract holds it to ECOM, POS or OTHER
    assignment = state.promotions.get(request.params["assignmentId"])
    if assignment is None:
        return error(404, "PromotionNotFound", "Promotion not found.")
    if assignment["redeemed"]:
        return error(409, "PromotionAlreadyRedeemed", "The promotion is already redeemed.")
    if assignment["expired"]:
        return error(409, "PromotionExpired", "The promotion has expired.")
    if channel not in assignment["redemptionChannels"]:
        return error(409, "PromotionNotValidForRedemptionChannel", f"Not redeemable via {channel}.")
    assignment.update(redeemed=True, redeemedOn=now_iso(), redeemedVia=channel)
    return Reply(200, {key: value for key, value in assignment.items() if key != "redeemedVia"})
