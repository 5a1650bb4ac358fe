"""The drift report: what one reconciliation found, as JSON with a fixed schema (docs/reconcile.md).

No personal data: objects are named by order number or Centra customer id, e-mails only by fingerprint
(``engage_bridge.pii``), the same reference the logs use.
"""

from collections import Counter
from collections.abc import Iterable
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, computed_field

SCHEMA_VERSION = 1

EffectVerdict = Literal["sent", "skipped", "failed", "missing"]
ObjectKind = Literal["order", "customer"]

FAILED_NOT_RETRIED = (
    "failed effects are not retried by --fix: a handler recorded that Engage refused them for good (e.g. a "
    "promotion already redeemed or expired); see the reason, and the handler's DLQ (engage-bridge dlq list)"
)
NOT_READ_BACK = (
    "orders and e-mails cannot be read back from Engage: contacts are spot-checked by e-mail, receipts by"
    " --receipt-imports"
)


NOT_IMPORTED = (
    "Engage answers 202 when it queues a receipt and imports it later; a receipt it cannot import (contact gone or"
    " merged, bad data) shows only in Engage's integration log. Check it there; --fix sends it again (Engage ignores a"
    " uniqueReceiptId it already imported)"
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class EffectStatus(_Frozen):
    """One effect a Centra object implies, and what happened to it."""

    effect: str = Field(description="ledger name (email:shipped:shipment:3101), or what routing skipped (contact)")
    state: EffectVerdict
    reason: str = Field(default="", description="why skipped or failed; for sent, what was done")
    at: str | None = Field(default=None, description="when the ledger recorded it")
    decided_by: Literal["ledger", "routing", "engage"] = Field(
        description="a handler's ledger row; the routing rules (never routed); or the Engage spot-check"
    )


class ObjectReport(_Frozen):
    object: str = Field(description="order:<number> or customer:<Centra id>")
    kind: ObjectKind
    id: str
    email: str | None = Field(default=None, description="fingerprint of the e-mail address, as in the logs")
    effects: list[EffectStatus]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def drifted(self) -> bool:
        """At least one effect missing or failed."""
        return any(effect.state in ("missing", "failed") for effect in self.effects)


class Window(_Frozen):
    since: AwareDatetime
    until: AwareDatetime


class Summary(_Frozen):
    objects: int
    drifted_objects: int
    effects: dict[EffectVerdict, int]
    skipped_by_reason: dict[str, int]
    failed_by_reason: dict[str, int]
    missing_by_effect: dict[str, int] = Field(description="missing effects by kind (email:shipped, receipt:purchase)")
    untracked_effects: int = Field(description="effects without a ledger row to compare (newsletter-only writes)")


class NotEnqueued(_Frozen):
    object: str
    reason: str


class FixResult(_Frozen):
    enqueued: list[str] = Field(description="objects re-enqueued on the ingest queue (source reconcile)")
    not_enqueued: list[NotEnqueued]
    failed_not_retried: int
    note: str = FAILED_NOT_RETRIED


class SpotCheck(_Frozen):
    requested: int
    checked: int
    found: int
    not_found: list[str] = Field(description="objects whose sent contact Engage does not know (now marked missing)")
    note: str = NOT_READ_BACK


class ReceiptImports(_Frozen):
    """Receipts Engage accepted (202), read back from each member's transactions (Engage imports them later)."""

    checked: int = Field(description="accepted receipts looked for in Engage")
    imported: int
    pending: int = Field(description="accepted too recently to judge (Engage imports in intervals)")
    not_imported: list[str] = Field(description="'<object> <uniqueReceiptId>': accepted, never imported (now missing)")
    note: str = NOT_IMPORTED


class ReportedErasure(_Frozen):
    """A customer deleted in Centra whose Engage member was reported, not deleted (``erasure.action: report``)."""

    customer: str = Field(description="'customer:<Centra customer id>'")
    reported_at: str


class DriftReport(_Frozen):
    schema_version: int = SCHEMA_VERSION
    generated_at: AwareDatetime
    window: Window
    summary: Summary
    objects: list[ObjectReport]
    spot_check: SpotCheck | None = None
    receipt_imports: ReceiptImports | None = None
    fix: FixResult | None = None
    erasures_reported: list[ReportedErasure] = Field(
        default_factory=list,
        description="customers deleted in Centra in this window whose Engage member awaits a person's decision",
    )

    @property
    def drifted(self) -> list[ObjectReport]:
        return [report for report in self.objects if report.drifted]


def summarise(objects: list[ObjectReport], untracked: int) -> Summary:
    effects = [effect for report in objects for effect in report.effects]
    states = Counter(effect.state for effect in effects)
    return Summary(
        objects=len(objects),
        drifted_objects=sum(report.drifted for report in objects),
        effects={state: states[state] for state in ("sent", "skipped", "failed", "missing")},
        skipped_by_reason=_count(effect.reason for effect in effects if effect.state == "skipped"),
        failed_by_reason=_count(effect.reason for effect in effects if effect.state == "failed"),
        missing_by_effect=_count(_effect_kind(effect.effect) for effect in effects if effect.state == "missing"),
        untracked_effects=untracked,
    )


def _effect_kind(name: str) -> str:
    """``email:shipped:shipment:3101`` → ``email:shipped``; ``redemption:<assignment>`` → ``redemption``."""
    head, _, rest = name.partition(":")
    if head in ("email", "receipt"):
        return f"{head}:{rest.split(':', 1)[0]}"
    return head


def _count(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))
