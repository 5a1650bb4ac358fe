"""What every message on the handler and ingest queues shares: ``historical``, and an operator's resend request."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from engage_bridge.state import Effect, LedgerClaim


class ResendRequest(BaseModel):
    """An operator's ``engage-bridge resend``: who asked, why, and whether they overrode the ledger's "sent".

    A resend is its own business key (``…:resend:<request_id>``), so idempotency does not answer it with the
    original's outcome, while the ledger effect stays the original's: a resent e-mail is still that e-mail.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    request_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")
    requested_by: str = Field(min_length=1, max_length=300)
    reason: str = Field(default="", max_length=500)
    force: bool = False

    def ledger_effect(self, effect: Effect) -> Effect:
        """The ledger row recording this request next to the effect it resends."""
        return Effect(effect.subject, f"resend#{effect.name}#{self.request_id}")


class QueuedMessage(BaseModel):
    """A message on one of the bridge's queues."""

    # Serialised messages include their computed business_key; it is derived again on the way in, so it
    # and any field a newer router adds are ignored rather than refused (rolling deploys).
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    # True where the business key is one ledger row (``order#<id>`` / effect), or one version of it (a contact
    # write's content), so the row itself is the claim (``state.LedgerClaims``, ``ledger_claim``) and no Powertools
    # idempotency record is kept (``wiring.consumer_for``).
    claimed_in_ledger: ClassVar[bool] = False
    # True where a state record of the message's own already makes it single (a stock level against the last one
    # sent for its SKU and market), so Powertools' two writes per message would add nothing.
    deduplicated_by_own_record: ClassVar[bool] = False

    historical: bool = False
    resend: ResendRequest | None = None

    @property
    def ledger_claim(self) -> LedgerClaim | None:
        """The ledger row this message claims before its effect runs; None: Powertools' record keys it (a resend,
        whose business key is its own, or a message without a row)."""
        return None

    def _resend_suffix(self) -> str:
        return f":resend:{self.resend.request_id}" if self.resend is not None else ""
