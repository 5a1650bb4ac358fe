"""Distinct custom metrics are counted from EMF log lines: one per namespace, name and dimension values."""

import json

from engage_bridge_tools.bench.emf import custom_metrics


def emf(service: str, reason: str | None, **values: float) -> str:
    dimensions = ["service", "reason"] if reason else ["service"]
    document = {
        "_aws": {
            "Timestamp": 1,
            "CloudWatchMetrics": [
                {"Namespace": "Bridge", "Dimensions": [dimensions], "Metrics": [{"Name": n} for n in values]}
            ],
        },
        "service": service,
        **({"reason": reason} if reason else {}),
        **values,
    }
    return json.dumps(document)


def test_a_metric_written_many_times_counts_once_and_each_dimension_value_counts_apart() -> None:
    lines = [
        emf("orders", "sent", Sent=1),
        emf("orders", "sent", Sent=1),
        emf("orders", "duplicate", Skipped=1),
        emf("receipts", "sent", Sent=1),
        emf("orders", None, Received=10, EngageLatency=3.0),
        '{"level":"INFO","message":"processed"}',
        "START RequestId: abc",
    ]

    found = custom_metrics(lines)

    assert len(found) == 5
    assert ("Bridge", "Sent", (("reason", "sent"), ("service", "receipts"))) in found
    assert ("Bridge", "EngageLatency", (("service", "orders"),)) in found
