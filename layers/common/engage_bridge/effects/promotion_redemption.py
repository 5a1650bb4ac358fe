"""Redeeming the Engage promotion an order used, once its payment succeeded (``promotions.redeem_when``).

A redemption that Engage refuses — already redeemed by someone else, expired, unknown — is recorded and
counted as ``failed`` and never blocks anything, as in Centra's plugin; it does not go to the DLQ, because no
fix or redrive could make it succeed. Engage answers that indicate a bug or a misconfiguration still do.

A redeem that got no answer may have passed Engage's point of no return (Voyado, timeout changes: the redeem
completes once it is marked redeemed). It is retried later through the queue, and the attempt is written to the
ledger first (``failed``/``unanswered``, which a later success overwrites), so that when the retry, in another
invocation, hears ``PromotionAlreadyRedeemed``, that is our own redemption and counts as sent.
"""

from engage_bridge.effects.services import Services
from engage_bridge.engage.outcomes import EngageConflict, EngageNotFound, EngageRetryableError
from engage_bridge.messages import PromotionRedemption
from engage_bridge.outcome import Outcome

ALREADY_REDEEMED = "PromotionAlreadyRedeemed"
UNANSWERED = "unanswered"


def redeem_promotion(services: Services, message: PromotionRedemption) -> Outcome:
    if message.historical:
        return Outcome("skipped", "historical")
    effect = message.ledger_effect
    earlier = services.ledger_entry(effect)  # taken over by the claim: no read (a resend reads it)
    if earlier is not None and earlier.state == "sent":
        return Outcome("skipped", "already_sent")
    try:
        services.engage.redeem_promotion(message.assignment_id)
    except EngageRetryableError as error:
        if error.maybe_applied:
            services.store.record(effect, "failed", UNANSWERED)
        raise
    except (EngageConflict, EngageNotFound) as refused:
        ours = earlier is not None and earlier.reason == UNANSWERED
        if isinstance(refused, EngageConflict) and refused.error_code == ALREADY_REDEEMED and ours:
            services.store.record(effect, "sent", "redeemed_unconfirmed")
            return Outcome("sent", "redeemed_unconfirmed")
        reason = refused.error_code or ("PromotionNotFound" if isinstance(refused, EngageNotFound) else "Conflict")
        services.store.record(effect, "failed", reason)
        return Outcome("failed", reason)
    services.store.record(effect, "sent", "redeemed")
    return Outcome("sent", "redeemed")
