"""End to end: orders per second through the whole local pipeline, Engage at a fixed latency, the budget applied.

The demo's generated shop (``engage_bridge_tools.demo``) is played through the local runtime: the template's
stack in moto, Lambda's SQS poller semantics with each event source's ``MaximumConcurrency`` containers, the
Centra fake sending webhooks and queueing events, and the Engage sandbox answering every request after
``LATENCY_S``. The stack's ``EngageRequestsPerSecond`` is split across containers as deployed. The orders arrive
in real seconds, so the event sources' batching windows and the ``rate(...)`` schedules (the events poller every
minute) keep their deployed lengths; only visibility timeouts (a failed record's return) are scaled (0.01). Each
phase still ends with every schedule fired once after its queues drain (``run_until_idle``): the poller's run
that, deployed, follows the webhook path's routing.

The figures are for one process on this machine: every container shares one interpreter (and its lock), so
they are a floor for what Lambda's separate containers would do, not a forecast.
"""

import tempfile
from pathlib import Path
from typing import Any

from engage_bridge_tools.bench.emf import custom_metrics
from engage_bridge_tools.demo.runner import run_demo

ORDERS = 60
SEED = 7
LATENCY_S = 0.05
BUDGET_RPS = 40.0


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "functions.log"
        summary = run_demo(
            ORDERS,
            SEED,
            log,
            requests_per_second=BUDGET_RPS,
            sandbox_latency=LATENCY_S,
            # The orders arrive in real seconds: each event source's window groups them as Lambda's would, where
            # scaled to milliseconds it batched nothing and the cost of invocations, receives and deletes was a
            # window of 0's. And the events poller a minute apart as deployed, not every 0.6 s: scaled, it reported
            # most changes before the webhook's report (held WEBHOOK_DELAY_SECONDS) was routed, a race the deployed
            # stack never runs; the other schedules (feed refresh, Engage changes) keep their deployed intervals too.
            timing_as_deployed=True,
        )
        metrics = custom_metrics(log.read_text(encoding="utf-8").splitlines())
    figures = summary["run"]
    return {
        "orders": figures["orders"],
        "engage_latency_ms": LATENCY_S * 1000,
        "engage_budget_per_second": BUDGET_RPS,
        "seconds": figures["seconds"],
        "orders_per_second": figures["orders_per_second"],
        "engage_requests": figures["engage_requests"],
        "engage_requests_per_order": figures["engage_requests_per_order"],
        "engage_mean_per_second": figures["engage_mean_per_second"],
        "engage_peak_per_second": figures["engage_peak_per_second"],
        "share_of_budget_used_mean": round(figures["engage_mean_per_second"] / BUDGET_RPS, 3),
        "share_of_budget_used_peak": round(figures["engage_peak_per_second"] / BUDGET_RPS, 3),
        "within_budget": figures["engage_peak_per_second"] <= BUDGET_RPS,
        "differences": len(summary["differences"]),
        "invocations": figures["invocations"],
        "aws_requests": figures["aws_requests"],
        "dynamodb_by_record": figures["dynamodb_by_record"],  # single-item calls by operation and key prefix
        "dynamodb_refused": figures["dynamodb_refused"],  # of those, conditional writes refused (still billed)
        "dynamodb_eventual_reads": figures["dynamodb_eventual_reads"],  # of the reads, eventually consistent (half)
        "dynamodb_batch_get_items": figures["dynamodb_batch_get_items"],  # keys asked by BatchGetItem: one read each
        "dynamodb_effect_writes": figures["dynamodb_effect_writes"],  # ledger-row writes by effect kind and role
        "retried_by_reason": summary["retried_by_reason"],  # each retry is another claim, read or lease
        "skipped_by_reason": summary["skipped_by_reason"],
        "log_bytes": figures["log_bytes"],
        "custom_metrics": len(metrics),  # distinct EMF metrics: CloudWatch bills each per month
    }
