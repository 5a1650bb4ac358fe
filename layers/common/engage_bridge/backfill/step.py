"""Starting a run and working one step of it: read a page, write its contacts in bulk, queue its receipts,
record what history suppresses, commit the cursor, and queue the next step.

A step is safe to repeat: contacts are updated-or-created (never created twice, see ``bulk``), receipts are
deduplicated by the receipt handler (idempotency, ledger, Engage's ``uniqueReceiptId``), ledger rows are
idempotent. So a step that crashes anywhere before its commit is simply worked again when SQS redelivers it.
"""

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from typing import Protocol

from msgspec import Struct
from pydantic import BaseModel

from engage_bridge.backfill import run as runs
from engage_bridge.backfill.bulk import BulkContactApi, BulkContactWriter, ContactResult, PendingContact
from engage_bridge.backfill.commands import BackfillStep, CommandQueue, StartBackfill
from engage_bridge.backfill.pages import CentraHistory, PageWork, read_page
from engage_bridge.backfill.run import BackfillLocked, BackfillRun
from engage_bridge.backfill.store import RunChanged, RunStore
from engage_bridge.config import BrandConfig
from engage_bridge.observability import count, logger
from engage_bridge.outcome import Outcome
from engage_bridge.routing import Route
from engage_bridge.state import Effect, StateStore

LOCK_SECONDS = 3600.0  # a stopped run may be taken over an hour after its last step


class HandlerQueues(Protocol):
    def send(self, route: Route, messages: Sequence[BaseModel]) -> None: ...


class StepBusy(Exception):
    """Another copy of this step holds its lease, or the run changed under this one: try again later."""


class BackfillServices(Struct, frozen=True):
    config: BrandConfig
    centra: CentraHistory
    engage: BulkContactApi
    ledger: StateStore
    runs: RunStore
    commands: CommandQueue
    handlers: HandlerQueues
    clock: Callable[[], float]
    remaining_seconds: Callable[[], float]
    lease_seconds: float
    sleep: Callable[[float], None]
    page_size: int | None = None
    may_create: Callable[[PendingContact], bool] = lambda _: True  # the consent rules (backfill.consent)

    def writer(self) -> BulkContactWriter:
        return BulkContactWriter(
            self.engage, remaining_seconds=self.remaining_seconds, sleep=self.sleep, may_create=self.may_create
        )

    def already_sent(self, effect: Effect) -> bool:
        entry = self.ledger.ledger_entry(effect)
        return entry is not None and entry.state in {"sent", "failed"}  # as the router decides


def start_backfill(
    store: RunStore, commands: CommandQueue, request: StartBackfill, now: float, default_since: date | None = None
) -> tuple[BackfillRun, bool]:
    """Begin (or resume) a run and queue its first step. Raises ``BackfillLocked`` while another run holds the
    lock, and ``NoWindowStart`` when neither the request nor the configuration says where history starts."""
    since = request.since or (datetime.combine(default_since, time(), UTC) if default_since else None)
    if since is None:
        raise NoWindowStart
    loaded = store.load()
    current, version = loaded if loaded is not None else (None, None)
    started, resumed = runs.start(
        current,
        since=since,
        until=request.until,
        kinds=request.kinds,
        run_id=uuid.uuid4().hex,
        now=now,
        lock_seconds=LOCK_SECONDS,
    )
    try:
        store.save(started, version)
    except RunChanged:
        # Someone else started (or a step moved the run) between our read and write: theirs wins.
        latest = store.load()
        raise BackfillLocked(latest[0] if latest else started) from None
    commands.send(BackfillStep(run_id=started.run_id, step=started.step))
    return started, resumed


class NoWindowStart(Exception):
    def __init__(self) -> None:
        super().__init__("give since, or set historical_sync_from in the brand configuration")


def handle_command(services: BackfillServices, command: StartBackfill | BackfillStep) -> Outcome:
    if isinstance(command, StartBackfill):
        try:
            started, resumed = start_backfill(
                services.runs, services.commands, command, services.clock(), services.config.historical_sync_from
            )
        except BackfillLocked as locked:
            logger.warning("backfill start refused", extra={"reason": str(locked)})
            return Outcome("skipped", "backfill_locked")
        except (NoWindowStart, ValueError) as refused:  # ValueError: a window that ends before it starts
            logger.error("backfill start refused", extra={"reason": str(refused)})
            return Outcome("failed", "backfill_window_invalid")
        logger.info("backfill started", extra={"run_id": started.run_id, "resumed": resumed})
        return Outcome("sent", "resumed" if resumed else "started")
    return run_step(services, command)


def run_step(services: BackfillServices, message: BackfillStep) -> Outcome:
    loaded = services.runs.load()
    run, version = loaded if loaded is not None else (None, None)
    verdict = runs.claim(run, message.run_id, message.step, services.clock())
    if verdict in {"stale", "duplicate"}:
        return Outcome("skipped", f"step_{verdict}")
    if verdict == "busy" or run is None or version is None:
        raise StepBusy(f"step {message.step} of run {message.run_id} is being worked elsewhere")
    if verdict == "resend":
        _send_successor(services, run, version)
        return Outcome("sent", "successor_resent")

    now = services.clock()
    claimed = runs.leased(run, now=now, lease_seconds=services.lease_seconds, lock_seconds=LOCK_SECONDS)
    version = _save(services, claimed, version)
    writer = services.writer()
    for batch_id in claimed.open_batches:  # a create batch of an earlier attempt: let it finish, never resend it
        writer.follow(batch_id)

    kind = claimed.kind
    if kind is None:  # pragma: no cover - a pending run always has a kind left (advance finishes it otherwise)
        raise AssertionError("pending run without a kind")
    work = read_page(
        kind, claimed.page, claimed.window, services.centra, services.config, services.already_sent, services.page_size
    )
    saved = _Saved(services, claimed, version)
    results = writer.write(list(work.contacts.values()), on_create_batch=saved.remember_batch)
    _record_contacts(services, kind, results, work)
    if work.receipts:
        services.handlers.send("receipt_push", work.receipts)
        work.counts["receipts_queued"] += len(work.receipts)
    for effect in work.suppressed:
        services.ledger.record(effect, "skipped", "historical")
    work.counts["suppressed_historical"] += len(work.suppressed)

    advanced = runs.advance(
        saved.run,
        counts=work.counts,
        failures=tuple(work.failures),
        last_page=work.last_page,
        position=work.position,
        now=services.clock(),
    )
    version = _save(services, advanced, saved.version)
    for name, value in work.counts.items():
        count("Backfill", f"{kind}_{name}", value)
    if advanced.state == "synchronised":
        logger.info("backfill synchronised", extra={"run_id": advanced.run_id, "counts": advanced.counts})
        return Outcome("sent", "synchronised")
    _send_successor(services, advanced, version)
    return Outcome("sent", f"{kind}_page_{claimed.page}")


class _Saved:
    """The run as last written by this step, so a create batch is on record before it is followed."""

    def __init__(self, services: BackfillServices, run: BackfillRun, version: int) -> None:
        self._services, self.run, self.version = services, run, version

    def remember_batch(self, batch_id: str) -> None:
        updated = self.run.model_copy(update={"open_batches": (*self.run.open_batches, batch_id)})
        self.version = _save(self._services, updated, self.version)
        self.run = updated


def _record_contacts(services: BackfillServices, kind: runs.Kind, results: list[ContactResult], work: PageWork) -> None:
    outcomes = Counter(result.outcome for result in results)
    for outcome, number in outcomes.items():
        work.counts[f"contacts_{outcome}"] += number
    failed_effects = {r.contact.effect for r in results if r.outcome == "failed"}
    for result in results:
        if result.outcome == "failed":
            work.failures.append(runs.FailedObject(kind=kind, subject=result.contact.subject, reason=result.reason))
    written = {r.contact.effect: r.outcome for r in results if r.outcome in {"created", "updated"}}
    for effect, outcome in written.items():
        # A customer is recorded as sent only when every contact it needed was written; a failed one stays
        # unrecorded, so reconciliation reports it missing and can re-enqueue it through the live path.
        if effect is not None and effect not in failed_effects:
            services.ledger.record(effect, "sent", f"bulk_{outcome}")


def _send_successor(services: BackfillServices, run: BackfillRun, version: int) -> None:
    services.commands.send(BackfillStep(run_id=run.run_id, step=run.step))
    _save(services, run.model_copy(update={"successor_sent": True}), version)


def _save(services: BackfillServices, run: BackfillRun, version: int) -> int:
    try:
        return services.runs.save(run, version)
    except RunChanged:
        raise StepBusy("the run record changed under this step") from None
