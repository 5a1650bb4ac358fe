"""The Engage budget: how much of it the stack uses, in what order, and the orders an hour that allows.

Containers are threads on a ``VirtualClock``: each drains its class's backlog one Engage request at a time through
the real ``EngageClient`` and the real ``SharedBudget`` leasing slots from the state table in moto; Engage is a
counting fake that stamps each request's arrival on the simulated clock and answers after ``LATENCY_S``. Simulated
time moves only when every container waits (for its slot, or for Engage), so the figures are the limiter's, not
this machine's load: a minute of drain takes seconds here. The lanes per class are the template's
``MaximumConcurrency`` (``Mappings.Engage.Concurrency``), the budget its default 40.

Orders an hour come from the requests per order counted through the whole local runtime (``lifecycle``), against
the rate the mixed drain sustained; "before" is the static split this replaced (each container floor(40/12) = 3/s
spaced for jitter, so the order-e-mail handler's two containers capped the shop at 5.7 e-mails a second).
"""

import threading
from collections import Counter, deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import boto3
import httpx
from aws_lambda_powertools import Logger
from moto import mock_aws

from engage_bridge.engage import EngageClient
from engage_bridge.engage.budget import BudgetGrid, BudgetTable, Priority, SharedBudget
from engage_bridge.engage.rate_limit import container_share
from engage_bridge_tools.bench.handlers import FAKE_AWS, state_table_definition
from engage_bridge_tools.bench.virtual_clock import VirtualClock
from engage_bridge_tools.local.engage_rate import peak_requests_per_second
from engage_bridge_tools.local.handlers import environment
from engage_bridge_tools.local.template import load_template

BUDGET_RPS = 40.0
LATENCY_S = 0.1  # each Engage request, answer included; a container sends one at a time
ONE_HANDLER_BACKLOG = 5000
# A quiet shop: one container, an invocation of three requests every five seconds (the lease's worst case).
QUIET_REQUESTS, QUIET_BURST = 300, 3
MIXED_BACKLOG = 1000  # per class below
# Before: 12 containers shared the budget in static shares (the template at a3e8170, bench/baseline.json).
BEFORE_CONTAINERS, BEFORE_LANES_PER_HANDLER = 12, 2
TABLE = "bench-state-{}"  # a table a drain: the simulated clocks all start at the same moment
_QUIET = Logger(service="bench-budget", level="WARNING")


@dataclass(frozen=True)
class Lanes:
    """One class of work: its backlog, the containers draining it, the priority they book at, the request each sends."""

    name: str
    priority: Priority
    containers: int
    backlog: int
    endpoint: str
    burst: int = 0  # requests an invocation sends before the container idles (0: a backlog, never idle)
    idle_s: float = 0.0


@dataclass
class _Run:
    clock: VirtualClock
    arrivals: list[tuple[float, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def transport(self, name: str) -> httpx.MockTransport:
        def answer(request: httpx.Request) -> httpx.Response:
            with self.lock:
                self.arrivals.append((self.clock(), name))
            self.clock.sleep(LATENCY_S)
            return httpx.Response(202, json={})

        return httpx.MockTransport(answer)


def _lanes_per_class() -> dict[str, int]:
    concurrency = load_template()["Mappings"]["Engage"]["Concurrency"]
    return {"handler": int(concurrency["Handler"]), "consent": int(concurrency["Consent"])}


def _drain(lanes: list[Lanes]) -> dict[str, Any]:
    """Drain every backlog at once; the arrivals on the simulated clock, the lease writes, the forfeited slots."""
    clock = VirtualClock()
    run = _Run(clock)
    grid = BudgetGrid.for_budget(BUDGET_RPS)
    budgets: list[SharedBudget] = []
    threads: list[threading.Thread] = []
    dynamodb = boto3.client("dynamodb")
    table = TABLE.format(len(dynamodb.list_tables()["TableNames"]))
    dynamodb.create_table(**{**state_table_definition(), "TableName": table})
    for group in lanes:
        work = deque(range(group.backlog))
        for _ in range(group.containers):
            # A backlog waits as long as it takes (in a handler, a wait past MAX_WAIT_S hands the message back).
            budget = SharedBudget(
                BudgetTable(dynamodb, table), grid, group.priority, clock=clock, sleep=clock.sleep, max_wait_s=3600
            )
            budgets.append(budget)
            client = EngageClient(
                "https://engage.invalid",
                "key",
                requests_per_second=None,
                rate_limiter=budget,
                transport=run.transport(group.name),
                sleep=clock.sleep,
                logger=_QUIET,
            )
            seat = clock.participant()  # seated before it starts, so the clock waits for it from the first moment
            threads.append(threading.Thread(target=_container, args=(seat, clock, client, work, group)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps = [{"at": at} for at, _ in run.arrivals]
    start, end = min(at for at, _ in run.arrivals), max(at for at, _ in run.arrivals)
    # A request occupies its second from its arrival: the drain lasts until the last one's second is over.
    seconds = end - start + grid.width
    requests = len(run.arrivals)
    return {
        "arrivals": run.arrivals,
        "start": start,
        "requests": requests,
        "seconds": round(seconds, 2),
        "share_of_budget_used": round(requests / (BUDGET_RPS * seconds), 3),
        "peak_requests_in_a_sliding_second": peak_requests_per_second(stamps),
        "lease_writes": sum(b.leases for b in budgets),
        "lease_writes_per_request": round(sum(b.leases for b in budgets) / requests, 3),
        "lease_writes_granted_nothing": sum(b.empty_leases for b in budgets),
        "counter_reads_per_request": round(sum(b.reads for b in budgets) / requests, 3),
        "slots_forfeited": sum(b.forfeited for b in budgets),
        "waited_s": round(sum(b.waited_s for b in budgets), 2),
    }


def _container(
    seat: AbstractContextManager[None], clock: VirtualClock, client: EngageClient, work: "deque[int]", group: Lanes
) -> None:
    send: Callable[[], object] = {
        "orders": lambda: client.post_order({"orderId": "x"}),
        "receipts": lambda: client.post_receipt({"uniqueReceiptId": "x"}),
        "stock": lambda: client.update_stock_levels([{"sku": "x", "quantity": 1}]),
        "contacts": lambda: client.update_contact("id", {"email": "x"}),
    }[group.endpoint]
    with seat:
        sent = 0
        while True:
            try:
                work.popleft()
            except IndexError:
                return
            send()
            sent += 1
            if group.burst and sent % group.burst == 0:
                clock.sleep(group.idle_s)


def _public(figures: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in figures.items() if key not in ("arrivals", "start")}


def run() -> dict[str, Any]:
    lanes = _lanes_per_class()
    handler = lanes["handler"]
    mixed = [
        Lanes("order e-mails", Priority.TRANSACTIONAL, handler, MIXED_BACKLOG, "orders"),
        Lanes("contacts", Priority.CUSTOMER, handler, MIXED_BACKLOG, "contacts"),
        Lanes("receipts", Priority.CUSTOMER, handler, MIXED_BACKLOG, "receipts"),
        Lanes("stock levels", Priority.STOCK, handler, MIXED_BACKLOG, "stock"),
        Lanes("backfill", Priority.BACKFILL, handler, MIXED_BACKLOG, "receipts"),
    ]
    with environment(FAKE_AWS), mock_aws():
        alone = _drain([Lanes("order e-mails", Priority.TRANSACTIONAL, handler, ONE_HANDLER_BACKLOG, "orders")])
        together = _drain(mixed)
        quiet = _drain([Lanes("order e-mails", Priority.TRANSACTIONAL, 1, QUIET_REQUESTS, "orders", QUIET_BURST, 5.0)])
    grid = BudgetGrid.for_budget(BUDGET_RPS)
    sustained = together["requests"] / together["seconds"]
    return {
        "clock": "simulated (threads on a virtual clock; moto DynamoDB; a counting Engage fake)",
        "budget_per_second": BUDGET_RPS,
        "engage_latency_ms": LATENCY_S * 1000,
        "grid": {
            "slots_per_second": grid.slots_per_second,
            "requests_per_slot": grid.per_slot,
            "usable_per_second": grid.per_second,
            "sliding_second_bound": grid.bound,
        },
        "lanes_per_handler": handler,
        "one_handler": {"backlog": ONE_HANDLER_BACKLOG, "handler": "order e-mails", **_public(alone)},
        "mixed": {
            "backlog": {group.name: group.backlog for group in mixed},
            **_public(together),
            "drain_order": _drain_order(together, [group.name for group in mixed]),
        },
        "quiet": {
            "invocations": QUIET_REQUESTS // QUIET_BURST,
            "requests_per_invocation": QUIET_BURST,
            "lease_writes_per_request": quiet["lease_writes_per_request"],
            "counter_reads_per_request": quiet["counter_reads_per_request"],
            # Each wait is billed Lambda time: at 5 % of the budget nobody should wait more than a slot.
            "wait_ms_per_invocation": round(1000 * quiet["waited_s"] * QUIET_BURST / QUIET_REQUESTS, 1),
        },
        "within_budget": max(alone["peak_requests_in_a_sliding_second"], together["peak_requests_in_a_sliding_second"])
        <= BUDGET_RPS,
        "orders_per_hour": _orders_per_hour(sustained),
        "before": _before(),
    }


def _drain_order(figures: dict[str, Any], names: list[str]) -> list[dict[str, Any]]:
    """Each class with when it finished and how far it had got when the order e-mails were done."""
    arrivals: list[tuple[float, str]] = figures["arrivals"]
    start = figures["start"]
    last = {name: max(at for at, who in arrivals if who == name) for name in names}
    first_done = last[names[0]]
    done_by_then = Counter(who for at, who in arrivals if at <= first_done)
    total = Counter(who for _, who in arrivals)
    finished = sorted(names, key=lambda name: last[name])
    return [
        {
            "class": name,
            "finished_at_s": round(last[name] - start, 1),
            "done_when_order_emails_finished": round(done_by_then[name] / total[name], 3),
        }
        for name in finished
    ]


def _orders_per_hour(sustained_per_second: float) -> dict[str, Any]:
    """Orders an hour within the budget, from the requests one order's life costs, counted by ``lifecycle``."""
    from engage_bridge_tools.bench.lifecycle import bridge_requests  # noqa: PLC0415 (the local runtime, when run)

    counted = bridge_requests()
    first, repeat = counted["first_order"], counted["repeat_order"]
    by_endpoint: Counter[str] = Counter()
    for step in repeat["by_step"].values():
        by_endpoint.update(step)
    handler_rate_before = BEFORE_LANES_PER_HANDLER * container_share(BUDGET_RPS, BEFORE_CONTAINERS)
    # Before, the order-e-mail handler was capped at its two containers' shares, and each order needs at least its
    # e-mails from it (its contact reads too, so "at most").
    emails = by_endpoint["POST /api/v2/orders"]
    return {
        "requests_per_order_first": first["requests"],
        "requests_per_order_repeat": repeat["requests"],
        "repeat_order_requests_by_endpoint": dict(by_endpoint),
        "sustained_requests_per_second": round(sustained_per_second, 2),
        "now_repeat_orders": round(3600 * sustained_per_second / repeat["requests"]),
        "now_first_orders": round(3600 * sustained_per_second / first["requests"]),
        "before_repeat_orders_at_most": round(3600 * handler_rate_before / emails),
        "before_handler_cap_per_second": round(handler_rate_before, 2),
    }


def _before() -> dict[str, Any]:
    """Today's figures (commit a3e8170, ``bench/baseline.json``) and the static split's ceiling for one handler."""
    one_handler = BEFORE_LANES_PER_HANDLER * container_share(BUDGET_RPS, BEFORE_CONTAINERS) / BUDGET_RPS
    return {
        "one_handler_share_at_most": round(one_handler, 3),
        "end_to_end_share_mean": 0.084,
        "end_to_end_share_busiest_second": 0.3,
        "source": "bench/baseline.json (sections.end_to_end at a3e8170); container_share(40, 12) x 2 containers",
    }
