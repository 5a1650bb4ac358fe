"""Backfill figures: objects per second and Engage requests per historical order, under the Engage budget.

A generated history (``engage_bridge_tools.backfill.history``: one customer and one order with two shipments and
a return each) is served by the Centra fake; Engage is the sandbox answering every request after a fixed
``LATENCY_S``. The stack's budget is applied as deployed (``EngageRequestsPerSecond`` 40 over 12 slots): the
backfill's client holds its two slots, and the receipt handler's two containers are one client with their two
slots. Customers are timed alone (bulk contacts); orders include draining their receipts through the receipt
handler's effect, which is where a historical order's time goes.
"""

import json
import time
from typing import Any

import boto3
from moto import mock_aws

from engage_bridge.backfill.commands import StartBackfill
from engage_bridge.backfill.run import BackfillWindow
from engage_bridge.centra.client import CentraClient
from engage_bridge.config import parse_config
from engage_bridge.engage import EngageClient
from engage_bridge.engage.rate_limit import container_share
from engage_bridge_tools.backfill.history import START, generated_history
from engage_bridge_tools.backfill.local import LocalBackfill
from engage_bridge_tools.bench.handlers import FAKE_AWS, state_table_definition
from engage_bridge_tools.centra_fake.fake import CentraFake
from engage_bridge_tools.centra_fake.server import RunningCentraFake
from engage_bridge_tools.local.handlers import environment
from engage_bridge_tools.local.template import REPO
from engage_bridge_tools.sandbox import EngageSandbox
from engage_bridge_tools.sandbox.faults import FaultPlan

CUSTOMERS = 60
LATENCY_S = 0.02
BUDGET_RPS, TOTAL_SLOTS, BACKFILL_SLOTS, RECEIPT_SLOTS = 40.0, 12, 2, 2


def run() -> dict[str, Any]:
    fake = CentraFake.from_document(generated_history(CUSTOMERS))
    until = START.replace(year=START.year + 1)
    with (
        environment(FAKE_AWS),
        mock_aws(),
        RunningCentraFake(fake) as server,
        EngageSandbox(faults=FaultPlan(slow_rate=1.0, slow_seconds=LATENCY_S), rate_limit=None) as sandbox,
    ):
        boto3.client("dynamodb").create_table(**state_table_definition())
        document = json.loads((REPO / "tools/engage_bridge_tools/data/brand.example.json").read_text(encoding="utf-8"))
        document["engage"]["base_url"] = sandbox.base_url
        config = parse_config(json.dumps(document))
        rate = container_share(BUDGET_RPS, TOTAL_SLOTS)
        with (
            CentraClient(server.graphql_url, next(iter(fake.tokens))) as centra,
            EngageClient(sandbox.base_url, sandbox.api_key, requests_per_second=rate * BACKFILL_SLOTS) as bulk,
            EngageClient(sandbox.base_url, sandbox.api_key, requests_per_second=rate * RECEIPT_SLOTS) as receipts,
        ):
            local = LocalBackfill(config, centra, bulk, receipts, boto3.client("sqs"), boto3.client("dynamodb"))
            customers_s, customer_requests = _timed(
                local, sandbox, BackfillWindow(since=START, until=until, kinds=("customers",))
            )
            orders_s, order_requests = _timed(
                local, sandbox, BackfillWindow(since=START, until=until, kinds=("orders",))
            )
            receipts_sent = len(sandbox.state()["receipts"])
    return {
        "history": f"{CUSTOMERS} customers, {CUSTOMERS} orders (2 shipments + 1 return each)",
        "engage_latency_ms": LATENCY_S * 1000,
        "engage_budget": f"{BUDGET_RPS:g}/s over {TOTAL_SLOTS} slots: "
        f"backfill {BACKFILL_SLOTS}, receipt handler {RECEIPT_SLOTS}",
        "customers_per_second": round(CUSTOMERS / customers_s, 1),
        "engage_requests_per_customer": round(customer_requests / CUSTOMERS, 3),
        "orders_per_second_with_receipts": round(CUSTOMERS / orders_s, 2),
        "engage_requests_per_historical_order": round(order_requests / CUSTOMERS, 2),
        "receipts_registered": receipts_sent,
    }


def _timed(local: LocalBackfill, sandbox: EngageSandbox, window: BackfillWindow) -> tuple[float, int]:
    before = len(sandbox.state()["requests"])
    started = time.perf_counter()
    local.commands.send(StartBackfill.of(window))
    local.drain_commands()
    local.drain_receipts()
    elapsed = time.perf_counter() - started
    return elapsed, len(sandbox.state()["requests"]) - before
