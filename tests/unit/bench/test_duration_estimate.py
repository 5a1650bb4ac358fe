"""The duration estimate: a constructed invocation record gives the documented arithmetic, and is priced."""

import math
from typing import Any

import pytest

from engage_bridge_tools.bench import duration_estimate
from engage_bridge_tools.bench.aws_cost import derive
from engage_bridge_tools.bench.duration_estimate import (
    AWS_CALL_MS,
    CENTRA_REQUEST_MS,
    OTHER_AWS_CALL_MS,
    cpu_share,
    estimated_invocations,
    estimated_ms,
    per_function,
)
from engage_bridge_tools.local.template import load_template

from .test_aws_cost import AWS_REQUESTS, PRICES, SECRETS_MANAGER_NAMES

# Two invocations of a 256 MB function, summed as TimeShares.as_dict gives them.
SHARES: dict[str, Any] = {
    "wall_ms": 3000.0,
    "cpu_ms": 60.0,
    "own_cpu_ms": 20.0,
    "aws_ms": 900.0,
    "aws_cpu_ms": 36.0,
    "http_ms": 700.0,
    "http_cpu_ms": 4.0,
    "slept_ms": 300.0,
    "sleeps": 3,
    "waiting_ms": 1080.0,
    "aws_calls": {"dynamodb": 6, "sqs": 2, "kms": 1},
    "http_requests": {"engage": 4, "centra": 2},
}


def test_the_estimate_is_cpu_at_lambdas_share_plus_stated_latencies_plus_what_was_slept() -> None:
    cpu = (20.0 + 4.0) / (256 / 1769)  # own CPU and the HTTP client's, at a 256 MB function's share of a vCPU
    aws = 6 * AWS_CALL_MS["dynamodb"] + 2 * AWS_CALL_MS["sqs"] + OTHER_AWS_CALL_MS
    http = 4 * 50.0 + 2 * CENTRA_REQUEST_MS

    assert math.isclose(estimated_ms(SHARES, memory_mb=256, engage_ms=50.0), cpu + aws + http + 300.0)
    assert math.isclose(estimated_ms(SHARES, memory_mb=256, engage_ms=50.0, throttle=False), 24.0 + aws + http + 300.0)


def test_cpu_share_is_one_vcpu_at_1769_mb_and_never_more() -> None:
    assert cpu_share(1769) == 1.0 and cpu_share(3538) == 1.0
    assert cpu_share(128) == pytest.approx(128 / 1769)


def test_interpreter_lock_waits_and_moto_cpu_are_not_billed() -> None:
    slower = {**SHARES, "wall_ms": 9000.0, "waiting_ms": 7080.0, "aws_cpu_ms": 500.0, "cpu_ms": 524.0}

    assert estimated_ms(slower, memory_mb=256, engage_ms=50.0) == estimated_ms(SHARES, memory_mb=256, engage_ms=50.0)


def test_a_function_the_run_did_not_split_keeps_its_local_figure() -> None:
    invocations: dict[str, dict[str, Any]] = {
        "Split": {"invocations": 2, "duration_ms": 3000.0, "time": SHARES},
        "Unsplit": {"invocations": 3, "duration_ms": 900.0},
    }

    estimated = estimated_invocations(invocations, {"Split": 256, "Unsplit": 256}, engage_ms=50.0)

    assert estimated["Unsplit"] == {"invocations": 3.0, "duration_ms": 900.0}
    assert estimated["Split"]["duration_ms"] == round(estimated_ms(SHARES, memory_mb=256, engage_ms=50.0), 1)
    rows = per_function(invocations, {"Split": 256, "Unsplit": 256}, engage_ms=50.0)
    assert set(rows) == {"Split"}
    assert rows["Split"]["local_wall_ms"] == 1500.0 and rows["Split"]["aws_calls"] == 4.5
    assert rows["Split"]["estimated_ms"] == round(estimated["Split"]["duration_ms"] / 2, 1)


def test_derive_prices_the_estimate_with_the_local_wall_clock_beside_it() -> None:
    sections = {
        "end_to_end": {
            "orders": 2,
            "engage_latency_ms": 50.0,
            "invocations": {"OrderStatusFunction": {"invocations": 2, "duration_ms": 3000.0, "time": SHARES}},
            "aws_requests": AWS_REQUESTS,
            "log_bytes": 1000,
        }
    }

    cost = derive(sections, load_template(), PRICES, SECRETS_MANAGER_NAMES)

    def duration(block: dict[str, Any]) -> float:
        return float(sum(line["quantity"] for line in block["lines"] if line["item"].startswith("Lambda duration")))

    memory_gb = cost["memory_mb"]["OrderStatusFunction"] / 1024
    estimate = estimated_ms(SHARES, memory_mb=cost["memory_mb"]["OrderStatusFunction"], engage_ms=50.0)
    assert duration(cost["per_million_orders"]) == pytest.approx(estimate / 1000 * memory_gb * 500_000, rel=1e-3)
    assert duration(cost["per_million_orders_local_wall"]) == pytest.approx(3.0 * memory_gb * 500_000, rel=1e-3)
    assert cost["duration_per_invocation_ms"]["OrderStatusFunction"]["local_wall_ms"] == 1500.0
    assert cost["duration_sources"] == list(duration_estimate.LATENCY_SOURCES)
