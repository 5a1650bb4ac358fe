"""Latency on the webhook path: from a Centra change to Engage's request about it, p50 and p99.

The demo's generated orders are placed in the Centra fake one by one, paced so that the Engage requests they
cause come to half the stack's budget (``BUDGET_RPS``); the fake posts its signed webhook to the local runtime's
HTTP route, and the template's stack in moto carries the change (webhook receiver → ingest queue → router →
handler queue → handler) to the Engage sandbox. A change's latency runs from the moment the fake applied it to
the first Engage request naming its order (the sandbox records every request's arrival on the same clock).

Time runs unscaled (``time_scale`` 1): every wait is as deployed, the webhook's hold in the ingest queue
(``route_marks.WEBHOOK_DELAY_SECONDS``), each event source's batching window, and Lambda's SQS poller, which
long-polls (the local poller's receive returns as soon as a message arrives, ``sqs_poller``). The events poller
runs on its schedule too, so the run also counts how often the poll's report of a change was routed again.

The figures are for one process on this machine, every container sharing one interpreter: an upper bound.
"""

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from engage_bridge.config import parse_config
from engage_bridge_tools.demo.scenario import DEMO_CONFIG_PATH, generate_scenario
from engage_bridge_tools.local.engage_rate import mean_requests_per_second, peak_requests_per_second
from engage_bridge_tools.local.function_output import totals_by_reason
from engage_bridge_tools.local.session import SessionOptions, local_session

ORDERS = 40
SEED = 7
BUDGET_RPS = 40.0
# Shares of the budget the paced orders' requests come to: half (the goal's load), and a light load that shows the
# path's own latency with no queueing behind it.
LOADS = {"half_budget": 0.5, "light_load": 0.075}
# Engage requests a new order causes on the webhook path (a contact write and its confirmation e-mail, and a
# contact lookup for a guest): paced from this so the requests come to a share of the budget (LOADS).
REQUESTS_PER_NEW_ORDER = 3
DRAIN_TIMEOUT_SECONDS = 600.0


def run() -> dict[str, Any]:
    return {name: _run(share) for name, share in LOADS.items()}


def _run(load_share: float) -> dict[str, Any]:
    config_document = json.loads(DEMO_CONFIG_PATH.read_text(encoding="utf-8"))
    scenario = generate_scenario(ORDERS, SEED, config=parse_config(config_document))
    placements = [step for step in scenario.phases[0] if step.action == "add_order"]
    interval = REQUESTS_PER_NEW_ORDER / (BUDGET_RPS * load_share)
    with tempfile.TemporaryDirectory() as folder:
        options = SessionOptions(
            config=config_document,
            shop=scenario.shop,
            log_path=Path(folder) / "functions.log",
            requests_per_second=BUDGET_RPS,
            time_scale=1.0,
        )
        with local_session(options) as session:
            if session.centra is None or session.sandbox is None:
                raise RuntimeError("the latency bench runs on the Centra fake and the Engage sandbox")
            session.sandbox.app.seed(scenario.engage_seed)
            session.runtime.run_until_idle(DRAIN_TIMEOUT_SECONDS)  # the poller registers its event listeners
            changed_at: dict[int, float] = {}
            started = time.monotonic()
            for step in placements:
                next_at = started + len(changed_at) * interval
                time.sleep(max(0.0, next_at - time.monotonic()))
                session.centra.add_order(**step.kwargs)
                changed_at[int(step.kwargs["order"]["number"])] = time.monotonic()
            session.runtime.run_until_idle(DRAIN_TIMEOUT_SECONDS)
            requests = session.sandbox.state()["requests"]
            lines = session.log_lines()
            skipped, retried = totals_by_reason(lines, "Skipped"), totals_by_reason(lines, "Retried")
    latencies = _latencies(changed_at, requests)
    window = [r for r in requests if float(r["at"]) >= started]
    return {
        "orders": len(changed_at),
        "engage_budget_per_second": BUDGET_RPS,
        "load_share_of_budget": load_share,
        "paced_every_s": round(interval, 3),
        "engage_mean_per_second": round(mean_requests_per_second(window), 2),
        "engage_peak_per_second": peak_requests_per_second(window),
        "changes_reaching_engage": len(latencies),
        "latency_p50_s": _percentile(latencies, 50),
        "latency_p99_s": _percentile(latencies, 99),
        "latency_max_s": round(max(latencies), 2) if latencies else None,
        "skipped_by_reason": skipped,  # already_routed: a change's second report, skipped before any Centra read
        "retried_by_reason": retried,  # what held changes back (retried on Voyado's cadence: 10 s, 30 s, ...)
    }


def _latencies(changed_at: dict[int, float], requests: list[dict[str, Any]]) -> list[float]:
    """Per order: seconds from its placement to the first Engage request whose body names its number."""
    first: dict[int, float] = {}
    for request in sorted(requests, key=lambda r: float(r["at"])):
        text = json.dumps(request.get("body"))
        for number, at in changed_at.items():
            if number not in first and str(number) in text and float(request["at"]) >= at:
                first[number] = float(request["at"]) - at
    return sorted(first.values())


def _percentile(values: list[float], percent: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 2)
    return round(statistics.quantiles(values, n=100, method="inclusive")[percent - 1], 2)
