"""docs/performance.md is rendered from results.json: machine, commit, the figures side by side, each command."""

from typing import Any

from engage_bridge_tools.bench.plugin_requests import derivation
from engage_bridge_tools.bench.report import render


def lifecycle() -> dict[str, Any]:
    def order(number: int, confirmed: dict[str, int]) -> dict[str, Any]:
        by_step = {
            "confirmed": confirmed,
            "shipped": {"POST /api/v2/orders": 1, "POST /api/v3/receipts": 1},
            "returned": {"POST /api/v2/orders": 1, "POST /api/v3/receipts": 1},
        }
        return {"order_number": number, "requests": sum(sum(s.values()) for s in by_step.values()), "by_step": by_step}

    first = order(1, {"GET /api/v3/contacts/id": 1, "POST /api/v2/orders": 1})
    return {
        "bridge": {"first_order": first, "repeat_order": order(2, {"POST /api/v2/orders": 1})},
        "plugin": derivation(),
    }


RESULTS: dict[str, Any] = {
    "generated_at": "2026-11-23T17:00:00+00:00",
    "commit": "abc1234",
    "machine": {"python": "3.13.0", "implementation": "CPython", "machine": "x86_64", "system": "Linux", "cpus": 2},
    "sections": {
        "lifecycle": lifecycle(),
        "handlers": {
            "per_message": {
                "order_status": {
                    "ms_per_message": 12.5,
                    "engage_requests_per_message": 3.0,
                    "bare_request": "POST /api/v2/orders",
                    "bare_ms_per_message": 0.5,
                    "ratio_to_bare_request": 25.0,
                    "aws_calls_per_message": {"dynamodb:PutItem": 2.0, "dynamodb:GetItem": 1.5},
                }
            }
        },
        "end_to_end": {
            "orders": 60,
            "orders_per_second": 0.52,
            "share_of_budget_used_mean": 0.064,
            "within_budget": True,
            "invocations": {"RouterFunction": {"invocations": 69, "errors": 0, "cold_starts": 2, "duration_ms": 10.0}},
            "aws_requests": {"sqs:SendMessageBatch": 523},
        },
        "engage_client": {"ratio_bridge_to_bare": 1.122, "nested": {"p90_us": 886.5}},
    },
}


def test_the_page_states_the_machine_and_the_commit() -> None:
    page = render(RESULTS)

    assert "commit `abc1234`" in page
    assert "CPython 3.13.0 on Linux x86_64, 2 CPUs" in page


def test_the_lifecycle_sets_the_bridge_beside_the_plugin_step_by_step() -> None:
    page = render(RESULTS)

    assert "| confirmed | 2 | 1 | 2 |" in page
    assert "| shipped | 2 | 2 | 3 |" in page
    assert "| **total** | 6 | 5 | 8 (at most 13) |" in page
    assert "| `GET /api/v3/contacts/id` | 1 | 0 |" in page


def test_each_section_names_the_command_that_produced_it() -> None:
    page = render(RESULTS)

    for section in ("lifecycle", "handlers", "end_to_end", "engage_client"):
        assert f"`python -m engage_bridge_tools.bench --only {section}`" in page


def test_handler_figures_appear_with_their_ratio_and_aws_calls() -> None:
    page = render(RESULTS)

    assert "| order_status | 12.5 | 3 | `POST /api/v2/orders` | 0.5 | 25.0x | 3.5 |" in page


def test_a_section_not_in_the_run_is_said_to_be_missing_and_others_are_tabled_flat() -> None:
    page = render(RESULTS)

    assert "## 3. Cold import of each function\n\nNot in this run." in page
    assert "| nested.p90_us | 886.5 |" in page
    assert "| share of budget used, mean | 0.064 |" in page
    assert "| within budget | yes |" in page


def test_dynamodb_calls_are_tabled_by_record_kind_per_order_most_first() -> None:
    end_to_end = {
        **RESULTS["sections"]["end_to_end"],
        "dynamodb_by_record": {"PutItem effect": 30, "UpdateItem route": 90},
    }

    page = render({**RESULTS, "sections": {**RESULTS["sections"], "end_to_end": end_to_end}})

    assert "| UpdateItem route | 90 | 1.5 |\n| PutItem effect | 30 | 0.5 |" in page


def test_cost_lines_show_quantity_unit_and_price_per_unit_and_the_assumptions() -> None:
    from engage_bridge_tools.bench.aws_cost import derive, load_prices
    from engage_bridge_tools.local.template import load_template

    end_to_end = {
        "orders": 2,
        "invocations": {"OrderStatusFunction": {"invocations": 2, "duration_ms": 2000.0}},
        "aws_requests": {"dynamodb:PutItem": 4},
        "log_bytes": 0,
    }
    results = {**RESULTS, "sections": {"aws_cost": derive({"end_to_end": end_to_end}, load_template(), load_prices())}}

    page = render(results)

    assert "| DynamoDB writes | 2,000,000 | write units | $0.625 per 1,000,000 write units | 1.25 |" in page
    assert "$0.0000133334 per GB-s" in page
    assert "- Prices: us-east-1 list prices" in page


BUDGET = {
    "budget_per_second": 40.0,
    "engage_latency_ms": 100.0,
    "lanes_per_handler": 4,
    "grid": {"slots_per_second": 19, "requests_per_slot": 2, "usable_per_second": 38, "sliding_second_bound": 40},
    "one_handler": {
        "backlog": 5000,
        "share_of_budget_used": 0.94,
        "peak_requests_in_a_sliding_second": 38,
        "lease_writes_per_request": 0.12,
        "counter_reads_per_request": 0.1,
    },
    "mixed": {
        "backlog": {"order e-mails": 1000, "backfill": 1000},
        "share_of_budget_used": 0.91,
        "peak_requests_in_a_sliding_second": 38,
        "lease_writes_per_request": 0.2,
        "counter_reads_per_request": 0.3,
        "drain_order": [
            {"class": "order e-mails", "finished_at_s": 27.0, "done_when_order_emails_finished": 1.0},
            {"class": "backfill", "finished_at_s": 55.0, "done_when_order_emails_finished": 0.03},
        ],
    },
    "orders_per_hour": {
        "requests_per_order_repeat": 5,
        "requests_per_order_first": 7,
        "now_repeat_orders": 25000,
        "now_first_orders": 18000,
        "before_repeat_orders_at_most": 6857,
        "before_handler_cap_per_second": 5.71,
    },
    "quiet": {
        "invocations": 100,
        "requests_per_invocation": 3,
        "lease_writes_per_request": 0.333,
        "counter_reads_per_request": 0.0,
        "wait_ms_per_invocation": 12.5,
    },
    "before": {
        "one_handler_share_at_most": 0.143,
        "end_to_end_share_mean": 0.084,
        "end_to_end_share_busiest_second": 0.3,
    },
}


def test_the_budget_sets_each_figure_beside_todays_and_shows_the_drain_order() -> None:
    page = render({**RESULTS, "sections": {"budget": BUDGET}})

    assert "One Engage budget for the stack" in page and "--only budget" in page
    assert "| 0.94 | 0.143 at most" in page  # one handler, now and before
    assert "| 38 / 38 of 40 |" in page
    assert "| 25,000 | at most 6,857 (order e-mails capped at 5.71/s) |" in page
    assert "| 0.12 + 0.1 / 0.2 + 0.3 |" in page
    assert "a quiet shop (3 requests an invocation) | 0.333 + 0.0 |" in page
    assert "| waited for the budget per invocation, a quiet shop (ms; billed Lambda time) | 12.5 |" in page
    assert page.index("| order e-mails | 27 |") < page.index("| backfill | 55 |")
    assert "simulated" in page


def test_the_cost_figures_stand_beside_the_baselines() -> None:
    def cost(per_million: float, per_month: float) -> dict[str, Any]:
        return {
            "orders_measured": 60,
            "region": "us-east-1",
            "prices_as_of": "2026-11-23",
            "per_million_orders": {
                "lines": [
                    {
                        "item": "DynamoDB writes",
                        "quantity": 33_100_000,
                        "unit": "write units",
                        "price_usd": 0.625,
                        "per": 1_000_000,
                        "usd": 20.69,
                    },
                ],
                "total_usd": per_million,
            },
            "per_month_fixed": {"lines": [], "total_usd": per_month},
            "assumptions": [],
        }

    baseline: dict[str, Any] = {
        "commit": "old1234",
        "sections": {**RESULTS["sections"], "aws_cost": cost(67.66, 33.67)},
    }
    baseline["sections"]["end_to_end"] = {
        **RESULTS["sections"]["end_to_end"],
        "log_bytes": 2_100_000,
        "custom_metrics": 96,
    }
    now: dict[str, Any] = {**RESULTS, "sections": {**RESULTS["sections"], "aws_cost": cost(9.5, 4.8)}}
    now["sections"]["end_to_end"] = {**RESULTS["sections"]["end_to_end"], "log_bytes": 150_000, "custom_metrics": 9}

    page = render(now, baseline)

    assert "commit `old1234`" in page
    assert "| USD per million orders | 67.66 | 9.50 |" in page.replace("9.5 |", "9.50 |")
    assert "| DynamoDB writes per order | 33.10 | 33.10 |" in page.replace("33.1 |", "33.10 |")
    assert "| custom metrics (distinct name and dimension values) | 96 | 9 |" in page
    assert "| bytes logged per order (INFO and above, EMF included) | 35,000 | 2,500 |" in page
    assert "| AWS calls per effect, order_status (handlers section, moto) | 3.50 | 3.50 |" in page.replace(
        "3.5 |", "3.50 |"
    )


def _cold(ratio: float, dependencies_ms: float) -> dict[str, Any]:
    figures = {
        "app_ms": ratio * dependencies_ms,
        "dependencies_ms": dependencies_ms,
        "ratio_lowest": round(ratio - 0.05, 2),
        "ratio_highest": round(ratio + 0.1, 2),
        "ratio_quartiles": [round(ratio - 0.02, 2), round(ratio + 0.03, 2)],
        "rounds_run_again": 2,
        "disturbed_rounds_kept": 1,
    }
    return {
        "third_party_modules": 300,
        "without_bytecode": {**figures, "ratio_app_to_dependencies": ratio},
        "with_bytecode": {**figures, "ratio_app_to_dependencies": ratio},
    }


def test_route_latency_and_cold_start_figures_stand_beside_the_baselines() -> None:
    second = {"changes": 14, "centra_requests_first_report": 25}
    results = {
        **RESULTS,
        "sections": {
            **RESULTS["sections"],
            "cold_import": {
                "runs_each": 7,
                "runs_each_without_bytecode": 1,
                "clock": "process_time",
                "scheduling": "pinned to CPU 1, SCHED_FIFO priority 1",
                "max_preemptions": 5,
                "max_repeats": 3,
                "load_average_before": [3.5, 2.0, 1.0],
                "load_average_after": [4.0, 2.5, 1.2],
                "functions": {"router": _cold(1.15, 600.0), "engage_consent": {"import_failed": "no endpoint"}},
            },
            "router": {
                "second_report_of_a_change": {
                    "without_route_marks": {**second, "routes_per_change": 2.0, "centra_requests_second_report": 25},
                    "with_route_marks": {**second, "routes_per_change": 1.0, "centra_requests_second_report": 0},
                }
            },
            "latency": {
                "half_budget": {
                    "orders": 40,
                    "latency_p50_s": 4.1,
                    "latency_p99_s": 7.25,
                    "retried_by_reason": {},
                    "skipped_by_reason": {"event_already_routed": 37, "already_routed": 3, "already_sent": 9},
                },
            },
        },
    }
    baseline = {"sections": {"cold_import": {"runs_each": 5, "functions": {"router": _cold(1.65, 855.1)}}}}

    page = render(results, baseline)

    assert "| router | 690 | 600 | 1.15x | 690 | 600 | 1.15x | 1.1-1.25x | 1.13-1.18x | 1.65x | 300 | 300 |" in page
    assert "ran pinned to CPU 1, SCHED_FIFO priority 1;" in page
    assert "2 rounds run again, 1 disturbed round kept." in page
    assert "Load average (1, 5, 15 min) [3.5, 2.0, 1.0] before, [4.0, 2.5, 1.2] after." in page
    assert "CPU milliseconds" in page
    assert "With bytecode: medians of 7 rounds" in page
    assert "Within 1.2 (bytecode): 1 of 1; before: 0 of 1." in page
    assert "Heaviest third-party imports (bytecode): router, 600 ms; before: router, 855.1 ms." in page
    assert "Not timed: engage_consent (`import app` failed without AWS: no endpoint)." in page
    assert "| routes per change | 1 | 2 |" in page
    assert "| Centra requests, second report | 0 | 25 |" in page
    assert "| latency p99 (s) | 7.25 |" in page
    assert "40 reports skipped as already routed, before any Centra read, for 40 orders placed (37 by the" in page


def test_lambda_duration_shows_the_estimate_beside_the_local_wall_clock_with_its_sources() -> None:
    from engage_bridge_tools.bench.aws_cost import derive, load_prices
    from engage_bridge_tools.local.template import load_template

    shares = {
        "own_cpu_ms": 10.0,
        "http_cpu_ms": 0.0,
        "aws_ms": 400.0,
        "http_ms": 300.0,
        "slept_ms": 0.0,
        "waiting_ms": 1290.0,
        "aws_calls": {"dynamodb": 4},
        "http_requests": {"engage": 2},
    }
    end_to_end = {
        "orders": 2,
        "engage_latency_ms": 50.0,
        "invocations": {"OrderStatusFunction": {"invocations": 2, "duration_ms": 2000.0, "time": shares}},
        "aws_requests": {"dynamodb:PutItem": 4},
        "log_bytes": 0,
    }
    results = {**RESULTS, "sections": {"aws_cost": derive({"end_to_end": end_to_end}, load_template(), load_prices())}}

    page = render(results)

    assert "Lambda duration is priced on an estimate" in page
    # 5 ms of CPU at 192 MB / 1,769 MB of a vCPU (FunctionMemorySize's default), 2 DynamoDB calls at 10 ms,
    # 1 Engage request at 50 ms: 116.1 ms
    assert "| OrderStatusFunction | 192 | 2 | 1,000 | 5 | 2 | 200 | 1 | 150 | 0 | 645 | 116.1 | 75 |" in page
    assert "- DynamoDB: 10 ms a call." in page
