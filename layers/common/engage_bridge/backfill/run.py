"""A backfill run as data: its window, cursor, lock and counts, and the pure rules that move it on.

One record per stack (``engage_bridge.backfill.store``). The rules here take the record and the time and return
the next record, so the lock and the resume logic are tested without AWS:

- ``start``: a run whose lock has not expired refuses a second start; a stopped run with the same window is
  resumed from its cursor under a new run id (messages of the old id are then ignored); anything else starts anew.
- ``claim``: which step message may work, and whether one is a duplicate, stale, or must wait for another copy.
- ``advance``: add a page's counts, move the cursor, finish after the last kind.
"""

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

Kind = Literal["customers", "orders"]
# Customers first: their contacts exist (in bulk) before the orders' receipts look them up.
KINDS: tuple[Kind, ...] = ("customers", "orders")
RunState = Literal["pending", "synchronised"]
ClaimVerdict = Literal["process", "resend", "duplicate", "stale", "busy"]
MAX_FAILURES_KEPT = 100


class BackfillWindow(BaseModel):
    """What a run covers: objects created (customers: updated) in ``[since, until)``, of these kinds."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    since: AwareDatetime
    until: AwareDatetime
    kinds: tuple[Kind, ...] = KINDS

    @field_validator("kinds", mode="after")
    @classmethod
    def _canonical(cls, kinds: tuple[Kind, ...]) -> tuple[Kind, ...]:
        return canonical_kinds(kinds)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.since >= self.until:
            raise ValueError("since must be before until")
        return self


def canonical_kinds(kinds: tuple[Kind, ...]) -> tuple[Kind, ...]:
    """In processing order, so the same window typed differently resumes the same run."""
    if not kinds or len(set(kinds)) != len(kinds):
        raise ValueError("name each of customers, orders at most once, and at least one")
    return tuple(kind for kind in KINDS if kind in kinds)


class FailedObject(BaseModel):
    """One object the backfill could not write, named without personal data."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: Kind
    subject: str
    reason: str


class BackfillRun(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    run_id: str
    window: BackfillWindow
    state: RunState = "pending"
    step: int = 0
    kind_index: int = 0
    page: int = 1
    lock_until: float
    lease_until: float = 0.0
    successor_sent: bool = True
    open_batches: tuple[str, ...] = ()
    position: AwareDatetime | None = None  # the newest object time read in the current kind, for progress
    counts: dict[str, dict[str, int]] = Field(default_factory=dict)
    failures: tuple[FailedObject, ...] = ()
    failures_total: int = 0
    started_at: AwareDatetime
    updated_at: AwareDatetime
    finished_at: AwareDatetime | None = None

    @property
    def kind(self) -> Kind | None:
        kinds = self.window.kinds
        return kinds[self.kind_index] if self.kind_index < len(kinds) else None

    def locked(self, now: float) -> bool:
        return self.state == "pending" and self.lock_until > now

    def progress(self) -> float:
        """0..1: kinds done, plus how far into the window the current kind has read (objects come oldest first)."""
        if self.state == "synchronised":
            return 1.0
        within = 0.0
        if self.position is not None:
            span = (self.window.until - self.window.since).total_seconds()
            within = min(1.0, max(0.0, (self.position - self.window.since).total_seconds() / span))
        return (self.kind_index + within) / len(self.window.kinds)


class BackfillLocked(Exception):
    def __init__(self, run: BackfillRun) -> None:
        self.run = run
        until = datetime.fromtimestamp(run.lock_until, UTC).isoformat(timespec="seconds")
        super().__init__(f"a backfill is running (run {run.run_id}, lock held until {until})")


def start(
    current: BackfillRun | None,
    *,
    since: datetime,
    until: datetime | None,
    kinds: tuple[Kind, ...],
    run_id: str,
    now: float,
    lock_seconds: float,
) -> tuple[BackfillRun, bool]:
    """The run a start command begins, and whether it resumes ``current``. Raises ``BackfillLocked``.

    A stopped run is resumed when the request names its ``since`` and kinds and either its ``until`` or none (an
    omitted ``until`` means "now" only for a new run; otherwise a second start could never match the first).
    """
    if current is not None and current.locked(now):
        raise BackfillLocked(current)
    moment = _moment(now)
    wanted = canonical_kinds(kinds)
    if (
        current is not None
        and current.state == "pending"
        and (current.window.since, current.window.kinds) == (since, wanted)
        and until in {None, current.window.until}
    ):
        resumed = current.model_copy(
            update={"run_id": run_id, "lock_until": now + lock_seconds, "lease_until": 0.0, "updated_at": moment}
        )
        return resumed, True
    window = BackfillWindow(since=since, until=until or moment, kinds=wanted)
    fresh = BackfillRun(
        run_id=run_id, window=window, lock_until=now + lock_seconds, started_at=moment, updated_at=moment
    )
    return fresh, False


def claim(run: BackfillRun | None, run_id: str, step: int, now: float) -> ClaimVerdict:
    """What to do with the step message ``(run_id, step)``.

    ``resend``: the step before the current one committed but its successor may never have been sent (a crash
    between the two); ``busy``: another copy of this step holds the lease, try later.
    """
    if run is None or run.run_id != run_id or run.state != "pending" or step > run.step:
        return "stale"
    if step < run.step:
        return "resend" if step == run.step - 1 and not run.successor_sent else "duplicate"
    return "busy" if run.lease_until > now else "process"


def leased(run: BackfillRun, *, now: float, lease_seconds: float, lock_seconds: float) -> BackfillRun:
    """The run while a step works on it: a lease for this step, and the run lock renewed."""
    return run.model_copy(
        update={"lease_until": now + lease_seconds, "lock_until": now + lock_seconds, "updated_at": _moment(now)}
    )


def advance(
    run: BackfillRun,
    *,
    counts: Mapping[str, int],
    failures: tuple[FailedObject, ...],
    last_page: bool,
    position: datetime | None,
    now: float,
) -> BackfillRun:
    """The run after the current page: counts added, cursor moved, finished after the last kind's last page."""
    kind = run.kind
    if kind is None:
        raise ValueError("the run has no kind left to advance")
    totals = {name: dict(values) for name, values in run.counts.items()}
    merged = Counter(totals.get(kind, {}))
    merged.update(counts)
    totals[kind] = dict(sorted(merged.items()))
    moment = _moment(now)
    update: dict[str, object] = {
        "step": run.step + 1,
        "counts": totals,
        "failures": (run.failures + failures)[-MAX_FAILURES_KEPT:],
        "failures_total": run.failures_total + len(failures),
        "lease_until": 0.0,
        "open_batches": (),
        "updated_at": moment,
        "successor_sent": False,
    }
    if not last_page:
        update |= {"page": run.page + 1, "position": max(filter(None, (run.position, position)), default=None)}
    elif run.kind_index + 1 < len(run.window.kinds):
        update |= {"kind_index": run.kind_index + 1, "page": 1, "position": None}
    else:
        update |= {
            "kind_index": run.kind_index + 1,
            "state": "synchronised",
            "finished_at": moment,
            "position": None,
            "successor_sent": True,
        }
    return run.model_copy(update=update)


def describe(run: BackfillRun | None, now: float) -> str:
    """The status line, as Centra shows its own historical sync: "pending …" or "synchronised at …"."""
    if run is None:
        return "no backfill has run"
    window = f"{run.window.since.isoformat()} to {run.window.until.isoformat()} ({', '.join(run.window.kinds)})"
    if run.state == "synchronised" and run.finished_at is not None:
        return f"synchronised at {run.finished_at.isoformat(timespec='seconds')}: {window}"
    where = f"{run.kind} page {run.page}"
    if run.locked(now):
        return f"pending: {where}, {window}"
    return f"pending (stopped: lock expired; start the same window again to resume at {where}): {window}"


def _moment(now: float) -> datetime:
    return datetime.fromtimestamp(now, UTC)
