"""One Engage budget for the whole stack: containers lease send slots from the state table, in priority order.

Voyado counts requests per API key in a sliding second: stay under 50/s, 429 above 200/s. The stack's budget is
``EngageRequestsPerSecond``; every container that calls Engage takes its requests from it, so a handler with work
uses what the others leave idle, and no sliding second ever holds more than the budget.

The grid. Time is cut into slots of 1/k s (k slots a second), and each slot admits at most ``per_slot`` requests,
sent while the clock is inside that slot (less a jitter margin). Any sliding second meets at most k + 1 slots, so
it holds at most ``per_slot * (k + 1)`` requests, which the grid keeps at or below the budget: the bound needs no
co-operation between containers beyond the counts. At a budget of 40: 19 slots of 52.6 ms, 2 requests each,
38 requests a second usable (95 %), 40 at most in any sliding second.

The lease. A container books several slots of one second in one ``UpdateItem`` on that second's item
(``pk = engage-budget``, ``sk =`` the epoch second, one counter per slot) that adds one to each slot it wants and
answers with the counts after it: of a slot's additions, applied one after another, only the first ``per_slot`` are
granted (a count past ``per_slot`` only says the slot is full). The slots are spaced at the container's shorter gaps
between requests (a low quantile of the last few; it sends one request at a time, so booking every slot when its
requests take 150 ms would hold slots it cannot use), never closer than every other slot, and from when the lease's
answer is expected (a slot that passes while the write is under way is forfeited).
A container draining a backlog books a whole second at its pace: one write a second, about one per ten Engage
requests at 100 ms a request. A quiet one (an invocation of a few requests) books
as many slots as its runs of requests have used (it learns that, and its pace, across invocations): one write an
invocation, two when it runs into the next second. A request that comes sooner than the slot it holds, by more than
``SOONER_AFTER_S``, books a free slot of the current second instead of sleeping (a sleep in Lambda is billed
duration, and past that wait costs more than the write). A lease that meets a slot another container filled keeps
the free ones, and its answer shows the counts, so the next lease asks for free slots without a read (a conditional
write refused the whole lease, billed, and wrote again: 101 of 276 lease writes in the demo). A slot the container
reaches too late is forfeited, never sent late: that is what keeps the bound. "Sent" is the last step before the
HTTP transport: the Engage session asks ``may_send`` there (after building the request, which a CPU-starved
container can take a slot's length over), and a request whose slot has passed is not sent; it takes the next one.
The bound is on the moments requests leave the bridge: their arrival at Engage adds the path's delay, which varies
per request (the budget's headroom under Voyado's 50 a second absorbs it; docs/configuration.md).

Priority. A busy container (sending without an idle gap for a second already) books the next second as soon as it
opens to its class, ``BOOKING_LEAD_S`` before it starts: transactional e-mails first, then contacts and receipts,
then stock levels; the backfill books only a second that has begun. Under contention each class gets what the
classes before it left; alone, all of it.
"""

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from enum import IntEnum
from typing import Any

from msgspec import Struct

from engage_bridge.budget_priority import PriorityName
from engage_bridge.engage.outcomes import EngageRetryableError

BUDGET_PK = "engage-budget"
# Slots booked in one lease at most: a busy container books a second at its pace in one write (about one DynamoDB
# write per 8 to 19 Engage requests); one whose batch ends leaves at most that second's slots unused.
LEASE_TOKENS = 19
# A request is sent no later than this fraction of its slot before the slot ends: the arrival jitter the bound
# tolerates (10 ms at a budget of 40).
JITTER_MARGIN = 0.2
# A second's counters are kept this long after it (the table's TTL attribute), then deleted by DynamoDB.
ITEM_TTL_S = 120
# Past this, a request waiting for the budget is handed back to its queue (a retryable error), not slept on.
MAX_WAIT_S = 20.0
_PACE_SMOOTHING = 0.3
# Until a container has measured its pace (the gap between its requests) it books every slot, a few at a time:
# a guess too long would make a fast container wait, one too short would hold slots it cannot reach. It is also the
# length of a run of requests guessed before one has ended.
_FIRST_LEASE_TOKENS = 4
_PACE_SAMPLES_NEEDED = 2
# A gap between requests this long is idleness (between invocations), not the container's pace: a container sending
# less than once a second books only when it sends.
_IDLE_GAP_S = 1.0
# A request that would wait longer than this for the slot it holds books a sooner one, if the second has one free.
# One lease write ($0.625 a million) costs what 250 ms of a 192 MB arm64 function ($1.33334e-5 a GB-second) does
# (prices: tools/engage_bridge_tools/bench/prices.json), but a sooner lease also books slots the container's next
# requests use: end to end, 250 ms slept more than 150 ms (decision log, 2026-12-07), so 150 ms stays.
SOONER_AFTER_S = 0.15
_QUIET_LEASE_TOKENS_MIN = 2  # a quiet container's lease books at least this many slots
_RUN_LENGTH_SLACK = 0.25  # a smoothed 3.03 requests a run books 3
# A container books the next second ahead only once it has sent without an idle gap for this long (a backlog).
_SUSTAINED_S = 1.0
# The slots a lease books are spaced at a low quantile of the container's last gaps between requests, not at their
# mean: the gaps spread (80 to 380 ms in the demo; a contact's read, its write, then the next message's), and a
# request sooner than its slot sleeps (billed duration) while one later than it misses it and waits for the next
# (or books a sooner one: a write). A slot booked and not reached costs only the room it held.
_STRIDE_QUANTILE = 0.25
_GAPS_KEPT = 8
# ... but never closer than every other slot: at two requests a slot, two containers booking every slot fill the
# second, and every other container's lease is granted nothing (a read, then a sleep into the next second).
_MIN_STRIDE = 2
# A lease plans from when its answer is expected, this many times a low quantile of the container's last write round
# trips: the slots that pass while the write is under way are forfeited, and a lease granted only those is one more
# write. Not a mean: the margin is slept whenever the write is quicker, and a mean follows the slow tail (in the
# local runtime one process's writes queue behind one lock: median 57 ms, p90 363 ms; in AWS a few ms).
_WRITE_TIME_MARGIN = 1.5
_WRITE_QUANTILE = 0.25
_WRITES_KEPT = 8
# ... and never more than this: a lease plans the current second or the next one, so a margin past the next second's
# slots would leave nothing to ask for, no write to measure a quicker round trip, and the container asleep until its
# requests are handed back (one slow first write did that in the local runtime: 432 s asleep in one run).
_MAX_WRITE_MARGIN_S = 0.5


class Priority(IntEnum):
    """Who goes first when work competes for the budget (lower first)."""

    TRANSACTIONAL = 0  # order e-mails; storefront subscriptions (a shopper waits on the answer)
    CUSTOMER = 1  # contacts, receipts, promotion redemptions, consent, the changes feed
    STOCK = 2  # stock levels for back-in-stock
    BACKFILL = 3  # the historical sync


# How long before a second starts each class may book it. The backfill books only a second already under way.
BOOKING_LEAD_S: Mapping[Priority, float] = {
    Priority.TRANSACTIONAL: 0.75,
    Priority.CUSTOMER: 0.5,
    Priority.STOCK: 0.25,
    Priority.BACKFILL: 0.0,
}


class BudgetGrid(Struct, frozen=True):
    """``slots_per_second`` slots a second, ``per_slot`` requests each: at most ``bound`` in a sliding second."""

    per_slot: int
    slots_per_second: int

    @classmethod
    def for_budget(cls, requests_per_second: float) -> "BudgetGrid":
        """The grid with the most usable requests a second whose sliding-second bound stays within the budget.

        Two requests a slot up to a budget of 50 (one below 30): short slots, so a container's pace wastes
        little, and k / (k + 1) of the budget usable.
        """
        budget = math.floor(requests_per_second + 1e-9)
        if budget < 2:
            raise ValueError("an Engage budget below 2 requests per second cannot be shared by slots")
        per_slot = max(1, round(budget / 20))
        return cls(per_slot=per_slot, slots_per_second=budget // per_slot - 1)

    @property
    def width(self) -> float:
        return 1.0 / self.slots_per_second

    @property
    def per_second(self) -> int:
        """Requests a fully booked second holds."""
        return self.per_slot * self.slots_per_second

    @property
    def bound(self) -> int:
        """The most requests any sliding second can hold: it meets at most k + 1 slots."""
        return self.per_slot * (self.slots_per_second + 1)

    def slot_start(self, second: int, slot: int) -> float:
        return second + slot * self.width

    def last_send(self, second: int, slot: int) -> float:
        """The latest moment a request of this slot may leave (the slot's end less the jitter margin)."""
        return second + (slot + 1 - JITTER_MARGIN) * self.width


class _Token(Struct, frozen=True):
    second: int
    slot: int


class BudgetTable:
    """The per-second counters in the state table: one item a second, one number attribute a slot.

    DynamoDB applies each update of an item atomically; moto, under the local runtime's threads, does not, so the
    calls of one process take turns (in Lambda a process is one container and the lock is never contended).
    """

    _one_at_a_time = threading.Lock()

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def book(self, second: int, wanted: Mapping[int, int], per_slot: int) -> tuple[dict[int, int], dict[int, int]]:
        """Add ``wanted`` (slot → requests) to ``second``'s counters; return (the requests granted, the counts seen).

        The write is unconditional and answers with the counts after it (``ALL_NEW``). DynamoDB applies the updates
        of one item one after another, so a slot's count after a container's addition says where its requests
        stand in that slot's queue: only those within the first ``per_slot`` are granted, and a count above
        ``per_slot`` only means the slot is full. A slot some other container filled no longer refuses (and bills)
        the whole lease: the free ones are granted.
        """
        names = {f"#s{slot}": f"s{slot}" for slot in wanted}
        values: dict[str, Any] = {":exp": {"N": str(second + ITEM_TTL_S)}}
        adds = []
        for slot, count in wanted.items():
            values[f":n{slot}"] = {"N": str(count)}
            adds.append(f"#s{slot} :n{slot}")
        with self._one_at_a_time:
            answer = self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": BUDGET_PK}, "sk": {"S": str(second)}},
                UpdateExpression="SET expiration = :exp ADD " + ", ".join(adds),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        counts = _counts(answer.get("Attributes", {}))
        return granted(wanted, counts, per_slot), counts

    def counts(self, second: int) -> dict[int, int]:
        # Eventually consistent (half a read unit): a stale count only costs a lease granted less.
        answer = self._client.get_item(TableName=self._table, Key={"pk": {"S": BUDGET_PK}, "sk": {"S": str(second)}})
        return _counts(answer.get("Item", {}))


def granted(wanted: Mapping[int, int], after: Mapping[int, int], per_slot: int) -> dict[int, int]:
    """Of the requests ``wanted`` added to each slot, those within the slot's first ``per_slot``, given the counts
    ``after`` the addition."""
    grants = {slot: min(count, per_slot - (after.get(slot, count) - count)) for slot, count in wanted.items()}
    return {slot: count for slot, count in grants.items() if count > 0}


def _counts(item: Mapping[str, Any]) -> dict[int, int]:
    return {int(name[1:]): int(value["N"]) for name, value in item.items() if name[:1] == "s" and name[1:].isdigit()}


class SharedBudget:
    """A container's view of the stack's budget: ``acquire`` blocks until one of its booked slots is open.

    Thread-safe, but a container sends one request at a time; its pace (the gap between its requests) decides how
    far apart the slots it books are.
    """

    def __init__(
        self,
        table: BudgetTable,
        grid: BudgetGrid,
        priority: Priority,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_wait_s: float = MAX_WAIT_S,
        lease_tokens: int = LEASE_TOKENS,
    ) -> None:
        self.grid = grid
        self.priority = priority
        self._table = table
        self._clock = clock
        self._sleep = sleep
        self._max_wait_s = max_wait_s
        self._lease_tokens = lease_tokens
        self._tokens: list[_Token] = []
        self._known: dict[int, dict[int, int]] = {}  # counts last seen per second, to book free slots first
        self._pace = grid.width
        self._pace_samples = 0
        self._gaps: deque[float] = deque(maxlen=_GAPS_KEPT)  # the last gaps between requests within runs
        self._writes: deque[float] = deque(maxlen=_WRITES_KEPT)  # the last lease writes' round trips
        self._last_grant: float | None = None
        self._run_started = 0.0  # when the current run of requests (no idle gap between them) began
        self._run_requests = 0  # requests granted in it so far
        self._run_length = float(_FIRST_LEASE_TOKENS)  # requests a run makes, smoothed over the runs seen
        self._booked_ahead = 0  # the latest second this container booked before it began
        self._lock = threading.Lock()
        self._granted = threading.local()  # the last moment the slot last granted in this thread may be used
        self.leases = 0  # lease writes sent (whatever they were granted): the DynamoDB cost of the budget
        self.empty_leases = 0  # of those, writes granted nothing (every slot asked for was full)
        self.reads = 0  # counters read before booking a second not seen yet, while waiting
        self._waiting = False  # a lease was granted nothing since the last one granted: read a second before writing
        self.forfeited = 0  # booked slots reached too late (granted ones included, if the request left too late)
        self.waited_s = 0.0  # seconds requests waited for their slot: billed Lambda time in a handler

    @contextmanager
    def lowered(self, priority: Priority) -> Iterator[None]:
        """Book at ``priority`` for the duration (historical traffic through a live handler), never higher."""
        saved = self.priority
        self.priority = max(saved, priority)
        try:
            yield
        finally:
            self.priority = saved

    def acquire(self) -> float:
        """Wait for a booked slot and take it; return the seconds waited.

        A request waits at most ``SOONER_AFTER_S`` for a slot it holds while the current second has a free one
        sooner (as far as this container has seen): it books that one instead. A sleep in Lambda is billed duration.
        """
        with self._lock:
            started = self._clock()
            self._observe_pace(started)
            self._book_ahead(started)
            looked_sooner = False
            while True:
                now = self._clock()
                token = self._next_token(now)
                if token is not None:
                    opens = self.grid.slot_start(token.second, token.slot)
                    if opens - now > max(self.grid.width, SOONER_AFTER_S) and not looked_sooner:
                        looked_sooner = True
                        if self._book_sooner(now, token):
                            continue
                    self._tokens.pop(0)
                    if opens > now:
                        self._sleep(opens - now)
                        if self._clock() > self.grid.last_send(token.second, token.slot):
                            self.forfeited += 1  # overslept past the slot: sent now, it could land in the next
                            continue
                    self._last_grant = max(opens, now)
                    self._granted.send_by = self.grid.last_send(token.second, token.slot)
                    self._run_requests += 1
                    waited = self._clock() - started
                    self.waited_s += waited
                    return waited
                if now - started > self._max_wait_s:
                    raise EngageRetryableError(
                        "-", "engage budget", None, None, maybe_applied=False, detail="engage budget exhausted"
                    )
                self._lease(now)

    def may_send(self) -> bool:
        """Whether the slot ``acquire`` last granted in this thread can still be used: asked once, as the request is
        handed to the transport. False forfeits it (the caller acquires again; nothing was sent)."""
        send_by = getattr(self._granted, "send_by", None)
        self._granted.send_by = None
        if send_by is None or self._clock() <= send_by:
            return True
        with self._lock:
            self.forfeited += 1
        return False

    def _observe_pace(self, now: float) -> None:
        if self._last_grant is None or now - self._last_grant >= _IDLE_GAP_S:
            # The first request after idleness starts a run (an invocation, or several close together): the one
            # before it ended, and its length teaches how many requests a run of this container makes.
            if self._last_grant is not None:
                self._run_length += _PACE_SMOOTHING * (self._run_requests - self._run_length)
            self._run_started, self._run_requests = now, 0
            return
        gap = max(now - self._last_grant, 0.0)
        weight = _PACE_SMOOTHING if self._pace_samples else 1.0
        self._pace = (1 - weight) * self._pace + weight * gap
        self._pace_samples += 1
        self._gaps.append(gap)

    def _book_ahead(self, now: float) -> None:
        """While busy, book the next second as soon as it opens to this class: the higher classes' leads come first.

        A container that is not busy (idle since its last request, or sending less than once a second) books only
        when it sends: a slot booked ahead would hold its request until the next second while this one has room
        (in the demo an order e-mail slept 0.27 s on average for it, at 15 % of the budget: billed Lambda time).
        """
        upcoming = math.floor(now) + 1
        if self._booked_ahead >= upcoming or now < upcoming - BOOKING_LEAD_S[self.priority] or not self._busy(now):
            return
        self._booked_ahead = upcoming
        self._book(upcoming, now)

    def _busy(self, now: float) -> bool:
        """Draining a backlog: sending at least once a second, without an idle gap, for ``_SUSTAINED_S`` already.

        An invocation of a few requests is not busy: the second it books ahead would mostly go unused (a write
        for nothing; in the demo one lease in two was such a booking).
        """
        return (
            self._last_grant is not None
            and now - self._last_grant < _IDLE_GAP_S
            and self._pace < 1.0
            and now - self._run_started >= _SUSTAINED_S
        )

    def _next_token(self, now: float) -> _Token | None:
        """The earliest booked slot still reachable (left in place); the ones reached too late are dropped."""
        while self._tokens:
            token = self._tokens[0]
            if self.grid.last_send(token.second, token.slot) >= now:
                return token
            self._tokens.pop(0)
            self.forfeited += 1
        return None

    def _book_sooner(self, now: float, held: _Token) -> bool:
        """Book free slots of the current second before ``held`` (the earliest this container holds); True if any."""
        current = math.floor(now)
        if held.second < current:
            return False
        # One try: nothing granted means others are booking this second, and waiting for the held slot costs no write.
        return self._book(current, now, before=held.slot if held.second == current else None, tries=1)

    def _lease(self, now: float) -> None:
        """Book slots in the current second, else the next one once this class may; sleep when neither is open."""
        current = math.floor(now)
        for second in (current, current + 1):
            opens_to_this_class = second - BOOKING_LEAD_S[self.priority]
            if now < opens_to_this_class:
                self._sleep(opens_to_this_class - now)
                return
            if self._book(second, now):
                return
        # Both full, and counts never go down: wait until the second after next opens to this class.
        self._sleep(current + 2 - BOOKING_LEAD_S[self.priority] - now)

    def _book(self, second: int, now: float, before: int | None = None, tries: int = 3) -> bool:
        """Try to book up to ``lease_tokens`` slots of ``second`` (before slot ``before``, if given) at this
        container's pace; True once booked."""
        if self._waiting and second not in self._known:
            # A waiting container asks every second: a read costs a tenth of the write the full second would waste.
            self.reads += 1
            self._known[second] = self._table.counts(second)
        for _ in range(tries):  # an answer shows the counts, so a second try usually fits; a third covers a race
            wanted = self._plan(second, now, before)
            if not wanted:  # full as far as this container knows, or too late in the second
                return False
            self.leases += 1
            sent = self._clock()
            grants, counts = self._table.book(second, wanted, self.grid.per_slot)
            took = max(self._clock() - sent, 0.0)
            self._writes.append(took)
            self._known = {seen: known for seen, known in self._known.items() if seen >= second - 1}
            self._known[second] = counts
            if grants:
                self._tokens.extend(_Token(second, slot) for slot in grants for _ in range(grants[slot]))
                self._tokens.sort(key=lambda token: (token.second, token.slot))  # a second booked ahead goes last
                self._waiting = False
                return True
            self.empty_leases += 1
            self._waiting = True  # nothing granted: others are booking too, so read before writing until one is
        return False

    def _plan(self, second: int, now: float, before: int | None = None) -> dict[int, int]:
        """Free slots of ``second`` still reachable once the lease's answer is back (and before slot ``before``),
        one every ``stride`` slots, up to the lease size."""
        grid = self.grid
        counts = self._known.get(second, {})
        stride = max(_MIN_STRIDE, round(self._stride_pace() / grid.width))
        answered = now + min(_WRITE_TIME_MARGIN * self._write_time(), _MAX_WRITE_MARGIN_S)
        first = max(0, math.ceil((answered - second) / grid.width - (1 - JITTER_MARGIN)))
        wanted: dict[int, int] = {}
        slot = first
        size = self._lease_size(now)
        end = grid.slots_per_second if before is None else before
        while slot < end and len(wanted) < size:
            if counts.get(slot, 0) < grid.per_slot and grid.last_send(second, slot) >= answered:
                wanted[slot] = 1
                slot += stride
            else:
                slot += 1
        return wanted

    def _write_time(self) -> float:
        """A lease write's round trip to plan from: a low quantile of the last few (0 before the first)."""
        if not self._writes:
            return 0.0
        ordered = sorted(self._writes)
        return ordered[int(_WRITE_QUANTILE * (len(ordered) - 1))]

    def _stride_pace(self) -> float:
        """The gap the booked slots are spaced at: a low quantile of the last gaps (the smoothed pace before two)."""
        if len(self._gaps) < _PACE_SAMPLES_NEEDED:
            return self._pace
        ordered = sorted(self._gaps)
        return ordered[int(_STRIDE_QUANTILE * (len(ordered) - 1))]

    def _lease_size(self, now: float) -> int:
        """Slots one lease books: a busy container's second at its pace; a quiet one, what its runs use.

        A quiet container that booked the rest of the second would hold slots it never reaches (two containers fill
        a slot), and other containers would wait for the next second.
        """
        if self._busy(now) and self._pace_samples >= _PACE_SAMPLES_NEEDED:
            return self._lease_tokens
        expected = math.ceil(self._run_length - self._run_requests - _RUN_LENGTH_SLACK)
        return min(self._lease_tokens, max(_QUIET_LEASE_TOKENS_MIN, expected))


def shared_budget(
    dynamodb: Any, table_name: str, requests_per_second: float, priority: Priority | PriorityName, **kwargs: Any
) -> SharedBudget:
    """The container's lease on the stack's budget, from the template's variables."""
    level = priority if isinstance(priority, Priority) else Priority[priority.upper()]
    return SharedBudget(BudgetTable(dynamodb, table_name), BudgetGrid.for_budget(requests_per_second), level, **kwargs)
