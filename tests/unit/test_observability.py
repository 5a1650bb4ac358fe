"""Custom metrics stay few and bounded: CloudWatch bills each name and set of dimension values every month."""

import json
import re
import warnings
from pathlib import Path

import pytest
from aws_lambda_powertools import Metrics

from engage_bridge.observability import MAX_METRICS, METRICS, bounded_metrics, count
from tests.lambda_support import cloudwatch_metrics, emitted_metrics, flushing

LAYER = Path(__file__).parents[2] / "layers/common/engage_bridge"


def _fresh(metrics: Metrics) -> None:
    """Powertools shares one metric set per process: start without what earlier tests left unflushed."""
    metrics.clear_metrics()
    metrics.clear_default_dimensions()


def test_the_catalogue_holds_at_most_twenty_metrics() -> None:
    assert len(METRICS) <= MAX_METRICS


def test_a_count_is_a_metric_with_the_stacks_one_dimension_and_its_reason_a_property(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics = bounded_metrics(namespace="Test", service="order-status")
    _fresh(metrics)
    metrics.set_default_dimensions(environment="prod")

    def handler() -> None:
        for reason in ("already_sent", "historical", "already_sent"):
            count("Skipped", reason, of=metrics)
        count("FieldLeftOut", "phone_refused", of=metrics)  # not in the catalogue: tallied only

    flushing(handler, metrics)()
    out = capsys.readouterr().out

    assert cloudwatch_metrics(out) == {("Skipped", (("environment", "prod"),))}
    counted = [(name, dims["reason"]) for name, dims in emitted_metrics(out)]
    assert sorted(counted) == [
        ("FieldLeftOut", "phone_refused"),
        ("Skipped", "already_sent"),
        ("Skipped", "already_sent"),
        ("Skipped", "historical"),
    ]
    assert '"service"' not in out  # each function's documents are in its own log group, which names it
    assert len(out.strip().splitlines()) == 1, "one document per invocation, not one per count"


def test_counts_without_a_catalogue_metric_are_still_written(capsys: pytest.CaptureFixture[str]) -> None:
    metrics = bounded_metrics(namespace="Test", service="engage-consent")
    _fresh(metrics)
    flushing(lambda: count("ConsentOptOutKept", "webhook", of=metrics), metrics)()

    out = capsys.readouterr().out
    assert cloudwatch_metrics(out) == set()
    assert [(name, dims["reason"]) for name, dims in emitted_metrics(out)] == [("ConsentOptOutKept", "webhook")]


def test_every_metric_an_alarm_or_the_dashboard_reads_is_in_the_catalogue() -> None:
    template = (Path(__file__).parents[2] / "template.yaml").read_text(encoding="utf-8")
    alarmed = set(re.findall(r"Namespace: CentraEngageBridge\n\s+MetricName: (\w+)", template))
    charted = set(re.findall(r'MetricName=\\"(\w+)\\"', template))
    charted |= set(re.findall(r'\["CentraEngageBridge", "(\w+)"', template))
    charted |= set(re.findall(r'\[".", "(\w+)"', template))
    assert alarmed | charted <= METRICS


def test_a_counted_metric_is_written_once_per_document_as_its_sum(capsys: pytest.CaptureFixture[str]) -> None:
    metrics = bounded_metrics(namespace="Test", service="router")
    _fresh(metrics)

    def handler() -> None:
        for _ in range(7):
            count("Sent", "routed_1", of=metrics)
        for latency in (12.0, 30.0):
            metrics.add_metric(name="EngageLatency", unit="Milliseconds", value=latency)

    flushing(handler, metrics)()
    document = json.loads(capsys.readouterr().out)

    assert document["Sent"] == 7  # one number: EMF takes a number or an array, and a count's array is its sum
    assert document["EngageLatency"] == [12.0, 30.0]  # a distribution keeps every value, for its percentiles


def test_a_count_of_zero_writes_nothing_so_an_idle_run_writes_no_document(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics = bounded_metrics(namespace="Test", service="centra-events")
    _fresh(metrics)

    def idle_poll() -> None:  # what the events poller counts when Centra had no events
        for name in ("EventsFetched", "EventsLeftUnconfirmed", "EventsUnreadable"):
            metrics.add_metric(name=name, unit="Count", value=0)
        count("Skipped", "event_type_order", 0, of=metrics)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nor Powertools' warning: a line on stderr, logged on every quiet poll
        flushing(idle_poll, metrics)()
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""

    def busy_poll() -> None:
        metrics.add_metric(name="EventsFetched", unit="Count", value=3)
        metrics.add_metric(name="EventsUnreadable", unit="Count", value=0)
        metrics.add_metric(name="EngageLatency", unit="Milliseconds", value=0.0)  # a measurement, not a count
        metrics.add_metric(name="DriftedObjects", unit="Count", value=0)  # a check's result: "no drift"

    flushing(busy_poll, metrics)()
    document = json.loads(capsys.readouterr().out)
    assert "EventsUnreadable" not in document
    assert document["EngageLatency"] == [0.0]
    assert document["DriftedObjects"] == 0
    assert document["counts"] == {"EventsFetched": {"": 3}}


def test_every_alarm_on_a_bridge_metric_reads_a_missing_zero_as_not_breaching() -> None:
    """Zero counts are not written (``observability``): an alarm must not take their absence for a breach."""
    template = (Path(__file__).parents[2] / "template.yaml").read_text(encoding="utf-8")
    alarms = re.findall(
        r"Namespace: CentraEngageBridge\n(?:\s+\w+:.*\n|\s+- .*\n)*?\s+TreatMissingData: (\w+)", template
    )
    assert len(alarms) == len(re.findall(r"Namespace: CentraEngageBridge\n\s+MetricName:", template))
    assert set(alarms) == {"notBreaching"}


def test_an_idle_poll_writes_no_metric_so_it_costs_nothing_all_month(capsys: pytest.CaptureFixture[str]) -> None:
    from engage_bridge.ingress.poller import PollResult
    from engage_bridge.ingress.poller_entry import _record
    from engage_bridge.observability import metrics

    _fresh(metrics)
    metrics.namespace = "Test"
    metrics.set_default_dimensions(environment="prod")

    flushing(lambda: _record(PollResult(fetched=3, queued=3, confirmed=3)), metrics)()
    idle = cloudwatch_metrics(capsys.readouterr().out)
    flushing(lambda: _record(PollResult(fetched=3, queued=1, confirmed=1, not_queued=1, unreadable=1)), metrics)()
    troubled = cloudwatch_metrics(capsys.readouterr().out)

    assert idle == set()
    assert troubled == {
        ("EventsLeftUnconfirmed", (("environment", "prod"),)),
        ("EventsUnreadable", (("environment", "prod"),)),
    }
