"""Reconciliation: for a window, every effect Centra's objects imply, compared with the ledger.

Each expected effect ends as ``sent``, ``skipped`` (by a handler's ledger row, e.g. ``historical`` from a
backfill, or by a routing rule), ``failed`` (with the reason a handler recorded) or ``missing`` (no ledger row:
never routed, lost, still in a queue or in a DLQ). Objects are read and judged a page at a time, with one
batched ledger read per page, so memory holds the report rather than the window's orders.
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Protocol

from msgspec import Struct, field

from engage_bridge.config import BrandConfig
from engage_bridge.reconcile.expected import (
    ContactProbe,
    Expectations,
    Expected,
    ObjectRef,
    ReceiptProbe,
    expected_for_customer,
    expected_for_order,
)
from engage_bridge.reconcile.report import (
    DriftReport,
    EffectStatus,
    ObjectReport,
    ReportedErasure,
    Window,
    summarise,
)
from engage_bridge.reconcile.source import CentraWindowReader, customer_pages, order_pages
from engage_bridge.state import REPORTED_ERASURES, Effect, LedgerEntry


class ErasureLedger(Protocol):
    """The ledger rows of one subject (``DynamoStateStore.ledger_rows``): the reported erasures."""

    def ledger_rows(self, subject: str) -> list[LedgerEntry]: ...


class LedgerReader(Protocol):
    """The batched ledger read (``DynamoStateStore.ledger_entries``); absent effects are left out."""

    def ledger_entries(self, effects: Iterable[Effect]) -> Mapping[Effect, LedgerEntry]: ...


class Reconciliation(Struct):
    """The report, and the contact probes a spot-check may use (they hold e-mails: never serialised)."""

    report: DriftReport
    probes: list[ContactProbe] = field(default_factory=list)
    receipts: list[ReceiptProbe] = field(default_factory=list)


def reconcile(
    centra: CentraWindowReader,
    ledger: LedgerReader,
    cfg: BrandConfig,
    *,
    since: datetime,
    until: datetime,
    now: Callable[[], datetime],
    erasures: ErasureLedger | None = None,
    receipt_probes: bool = True,
) -> Reconciliation:
    """``erasures`` (the state table) adds the erasures reported in the window (``erasure.action: report``).
    ``receipt_probes=False`` leaves ``Reconciliation.receipts`` empty (no receipt is mapped): the report is the same,
    and only a check of Engage's receipt imports reads them."""
    window = Window(since=since, until=until)  # validates that both are timezone-aware
    if since >= until:
        raise ValueError("since must be before until")
    judge = _Judge(ledger)
    for orders in order_pages(centra, since, until):
        judge.add([expected_for_order(order, cfg, receipt_probes=receipt_probes) for order in orders])
    for customers in customer_pages(centra, since, until):
        judge.add([expected_for_customer(customer, cfg) for customer in customers])
    objects = judge.objects()
    report = DriftReport(
        generated_at=now(),
        window=window,
        summary=summarise(objects, judge.untracked),
        objects=objects,
        erasures_reported=[] if erasures is None else reported_erasures(erasures, since, until),
    )
    return Reconciliation(report, list(judge.probes.values()), judge.receipts)


def reported_erasures(ledger: ErasureLedger, since: datetime, until: datetime) -> list[ReportedErasure]:
    """Erasures reported in ``[since, until)``, oldest first."""
    found = []
    for row in ledger.ledger_rows(REPORTED_ERASURES):
        at = datetime.fromisoformat(row.at)
        if since <= at < until and row.reason == "erasure_reported":
            customer = "customer:" + row.effect.name.removeprefix("customer#")
            found.append((at, ReportedErasure(customer=customer, reported_at=row.at)))
    return [erasure for _, erasure in sorted(found, key=lambda pair: pair[0])]


class _Judge:
    def __init__(self, ledger: LedgerReader) -> None:
        self._ledger = ledger
        self._owners: dict[str, ObjectRef] = {}
        self._verdicts: dict[str, dict[str, EffectStatus]] = {}
        self.probes: dict[str, ContactProbe] = {}
        self.receipts: list[ReceiptProbe] = []
        self.untracked = 0

    def add(self, batch: list[Expectations]) -> None:
        expected = [item for expectations in batch for item in expectations.effects]
        entries = self._ledger.ledger_entries({item.effect for item in expected if item.effect is not None})
        for item in expected:
            self._owners.setdefault(item.owner.key, item.owner)
            # One contact row may be implied by several orders and the customer itself: judged once.
            self._verdicts.setdefault(item.owner.key, {}).setdefault(item.name, _verdict(item, entries))
        for expectations in batch:
            self.untracked += expectations.untracked
            self.receipts.extend(expectations.receipts)
            for probe in expectations.probes:
                self.probes.setdefault(probe.owner.key, probe)

    def objects(self) -> list[ObjectReport]:
        return [
            ObjectReport(
                object=key,
                kind=self._owners[key].kind,
                id=self._owners[key].id,
                email=self._owners[key].email,
                effects=list(self._verdicts[key].values()),
            )
            for key in sorted(self._owners, key=_object_order)
        ]


def _verdict(item: Expected, entries: Mapping[Effect, LedgerEntry]) -> EffectStatus:
    if item.effect is None:
        return EffectStatus(effect=item.name, state="skipped", reason=item.skip_reason, decided_by="routing")
    entry = entries.get(item.effect)
    if entry is None:
        return EffectStatus(effect=item.name, state="missing", decided_by="ledger")
    return EffectStatus(effect=item.name, state=entry.state, reason=entry.reason, at=entry.at, decided_by="ledger")


def _object_order(key: str) -> tuple[str, int, str]:
    kind, _, ident = key.partition(":")
    return (kind, int(ident), "") if ident.isdigit() else (kind, 0, ident)
