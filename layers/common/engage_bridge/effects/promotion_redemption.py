"""Redeeming the Engage promotion an order used (seed 000/001: only once payment succeeded).

A redemption that Engage refuses — already redeemed by someone else, expired, unknown — is recorded and
counted as ``failed`` and never blocks anything, as in Centra's plugin; it does not go to the DLQ, because no
fix or redrive could make it succeed. Engage answers that indicate a bug or a misconfiguration still do.
"""

from engage_bridge.consumer import Outcome
from engage_bridge.effects.services import Services
from engage_bridge.engage.outcomes import EngageConflict, EngageNotFound
from engage_bridge.messages import PromotionRedemption


def redeem_promotion(services: Services, message: PromotionRedemption) -> Outcome:
    if message.historical:
        return Outcome("skipped", "historical")
    effect = message.ledger_effect
    if services.already_sent(effect):
        return Outcome("skipped", "already_sent")
    try:
        services.engage.redeem_promotion(message.assignment_id)
    except (EngageConflict, EngageNotFound) as refused:
        reason = refused.error_code or ("PromotionNotFound" if isinstance(refused, EngageNotFound) else "Conflict")
        services.store.record(effect, "failed", reason)
        return Outcome("failed", reason)
    services.store.record(effect, "sent", "redeemed")
    return Outcome("sent", "redeemed")
