"""Client overhead: the bridge's ``EngageClient.post_receipt`` against a bare ``httpx.Client.post``.

Both post seed 001's purchase receipt to the same in-process sandbox (no faults, no rate limit, zero added
latency) over keep-alive loopback connections, interleaved in rounds so drift hits both alike. The
client's rate limiter is off (it would measure the budget, not the code); its log lines are formatted
into a memory sink, so the figure includes Powertools logging.
"""

import io
import json
import logging
import statistics
import time
from typing import Any

import httpx
from aws_lambda_powertools import Logger

from engage_bridge.engage import EngageClient, paths
from engage_bridge_tools.sandbox import EngageSandbox

ROUNDS = 20
PER_ROUND = 100
WARMUP = 200

# Seed 001, "Full members' data sync (/receipts endpoint)", order creation.
RECEIPT: dict[str, Any] = {
    "contact": {"matchKey": "fd927adf-f4e0-4737-8fbe-abf900adce2c", "matchKeyType": "contactId"},
    "uniqueReceiptId": "189-1",
    "receiptNumber": "189-1",
    "createdDate": "2020-07-24T09:17:15+02:00",
    "storeExternalId": "centra.com",
    "currency": "SEK",
    "exchangeRateToGroupCurrency": 1,
    "totalGrossPrice": "2.00",
    "taxDetails": [{"description": "25%", "value": "0.40"}],
    "paymentMethods": [{"type": "Credit Card", "description": "N/A", "value": "2.00"}],
    "items": [
        {
            "type": "purchase",
            "quantity": 1,
            "grossPaidPrice": "2.00",
            "taxAmount": "0.40",
            "taxPercent": 25,
            "sku": "TEST-DISC456789",
            "articleNumber": "TEST-DISC",
            "articleName": "Test Product Discounted",
            "articleGroup": "shop",
            "extraData": [{"name": "size", "value": ""}, {"name": "variation", "value": "Red"}],
            "discounts": [{"type": "Discount", "description": "Discount", "value": "-198.00"}],
        }
    ],
}


def _time_each(send: Any, count: int, into: list[float]) -> None:
    for _ in range(count):
        started = time.perf_counter_ns()
        send()
        into.append((time.perf_counter_ns() - started) / 1000)


def run() -> dict[str, Any]:
    sink = io.StringIO()
    logger = Logger(service="bench-engage-client", logger_handler=logging.StreamHandler(sink))
    with EngageSandbox(rate_limit=None) as sandbox:
        headers = {"apikey": sandbox.api_key, "Content-Type": "application/json", "User-Agent": "bench/1"}
        bare = httpx.Client(base_url=sandbox.base_url, headers=headers)
        bridge = EngageClient(sandbox.base_url, sandbox.api_key, requests_per_second=None, logger=logger)

        def bare_post() -> None:
            bare.post(paths.RECEIPTS, json=RECEIPT).raise_for_status()

        def bridge_post() -> None:
            bridge.post_receipt(RECEIPT)

        bare_us: list[float] = []
        bridge_us: list[float] = []
        _time_each(bare_post, WARMUP, [])
        _time_each(bridge_post, WARMUP, [])
        for _ in range(ROUNDS):
            _time_each(bare_post, PER_ROUND, bare_us)
            _time_each(bridge_post, PER_ROUND, bridge_us)
        bare.close()
        bridge.close()
        accepted = sum(1 for entry in sandbox.requests() if entry["status"] == 202)
    bare_median, bridge_median = statistics.median(bare_us), statistics.median(bridge_us)
    return {
        "requests_each": ROUNDS * PER_ROUND,
        "body_bytes": len(json.dumps(RECEIPT, separators=(",", ":"))),
        "bare_httpx_post_median_us": round(bare_median, 1),
        "bridge_client_median_us": round(bridge_median, 1),
        "overhead_median_us": round(bridge_median - bare_median, 1),
        "ratio_bridge_to_bare": round(bridge_median / bare_median, 3),
        "bare_httpx_post_p90_us": round(statistics.quantiles(bare_us, n=10)[-1], 1),
        "bridge_client_p90_us": round(statistics.quantiles(bridge_us, n=10)[-1], 1),
        "all_accepted": accepted == 2 * (WARMUP + ROUNDS * PER_ROUND),
    }
