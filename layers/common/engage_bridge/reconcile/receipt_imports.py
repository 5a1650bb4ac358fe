"""Receipt imports: did Engage import the receipts it accepted? (read back from each member's transactions)

Engage answers 202 when it queues a receipt and imports it in intervals (default every 15 minutes); a receipt it
cannot import (the contact deleted or merged, data it refuses) appears only in its integration log (Voyado,
introduction to receipts; audit E12). So the receipt handler records ``<kind>_receipt_accepted``, and this check
reads each member's transactions (``GET /api/v3/contacts/{id}/transactions``): a receipt found there is confirmed
in the ledger as ``<kind>_receipt_imported``; one accepted longer ago than ``grace`` and not there is reported
``missing`` (reason ``not_imported``, decided by Engage), so it counts as drift and ``--fix`` sends it again
(Engage ignores a ``uniqueReceiptId`` it already imported). One lookup and one transactions read per member.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from engage_bridge.reconcile.expected import ReceiptProbe
from engage_bridge.reconcile.report import DriftReport, EffectStatus, ObjectReport, ReceiptImports, summarise
from engage_bridge.state import Effect

ACCEPTED_SUFFIX = "_accepted"
IMPORTED_SUFFIX = "_imported"
NOT_IMPORTED = "not_imported"
DEFAULT_GRACE = timedelta(hours=1)  # four of Engage's default 15-minute import intervals


class TransactionReader(Protocol):
    """The part of ``EngageClient`` the check needs."""

    def find_contact_id(self, email: str, contact_type: str | None = None) -> str | None: ...

    def imported_receipt_ids(self, contact_id: str, page_size: int = 100) -> set[str]: ...


class ImportLedger(Protocol):
    """``DynamoStateStore.confirm``: a sent effect's reason replaced once Engage shows it imported."""

    def confirm(self, effect: Effect, reason: str) -> bool: ...


def check_receipt_imports(
    report: DriftReport,
    probes: list[ReceiptProbe],
    engage: TransactionReader,
    ledger: ImportLedger,
    *,
    now: Callable[[], datetime],
    grace: timedelta = DEFAULT_GRACE,
) -> DriftReport:
    """``report`` with every accepted receipt of ``probes`` confirmed imported, left pending, or marked missing."""
    by_object = {found.object: found for found in report.objects}
    verdicts: dict[tuple[str, str], EffectStatus] = {}
    checked = imported = pending = 0
    not_imported: list[str] = []
    for probe in probes:
        found = by_object.get(probe.owner.key)
        accepted = _accepted(found, probe) if found is not None else {}
        if not accepted:
            continue
        contact_id = engage.find_contact_id(probe.email, probe.contact_type)
        in_engage = engage.imported_receipt_ids(contact_id) if contact_id is not None else set()
        for name, status in accepted.items():
            checked += 1
            receipt_id = probe.receipt_ids[name]
            if receipt_id in in_engage:
                imported += 1
                reason = status.reason.removesuffix(ACCEPTED_SUFFIX) + IMPORTED_SUFFIX
                ledger.confirm(Effect(f"order#{probe.owner.id}", name), reason)
                verdicts[(probe.owner.key, name)] = status.model_copy(update={"reason": reason})
            elif _recent(status, now(), grace):
                pending += 1
            else:
                not_imported.append(f"{probe.owner.key} {receipt_id}")
                verdicts[(probe.owner.key, name)] = EffectStatus(
                    effect=name, state="missing", reason=NOT_IMPORTED, at=status.at, decided_by="engage"
                )
    objects = [_with_verdicts(found, verdicts) for found in report.objects]
    result = ReceiptImports(checked=checked, imported=imported, pending=pending, not_imported=sorted(not_imported))
    summary = summarise(objects, report.summary.untracked_effects)
    return report.model_copy(update={"objects": objects, "summary": summary, "receipt_imports": result})


def _accepted(found: ObjectReport, probe: ReceiptProbe) -> dict[str, EffectStatus]:
    return {
        status.effect: status
        for status in found.effects
        if status.effect in probe.receipt_ids and status.state == "sent" and status.reason.endswith(ACCEPTED_SUFFIX)
    }


def _recent(status: EffectStatus, now: datetime, grace: timedelta) -> bool:
    if status.at is None:
        return False
    try:
        at = datetime.fromisoformat(status.at)
    except ValueError:
        return False
    return at.tzinfo is not None and now - at < grace


def _with_verdicts(found: ObjectReport, verdicts: dict[tuple[str, str], EffectStatus]) -> ObjectReport:
    if not any(key[0] == found.object for key in verdicts):
        return found
    effects = [verdicts.get((found.object, status.effect), status) for status in found.effects]
    return found.model_copy(update={"effects": effects})
