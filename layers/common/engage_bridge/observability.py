"""Powertools Logger, Tracer and Metrics: one shared instance each, bound to a handler at cold start.

``bind`` takes the handler's service name, metrics namespace and environment from the variables the template
sets, instead of each instance reading them whenever it happened to be imported first. In Lambda one container
runs one handler; the local runtime and the tests run several in one process, and each must report as itself.

CloudWatch bills every distinct metric name and set of dimension values as a custom metric, $0.30 a month each
(https://aws.amazon.com/cloudwatch/pricing/): with ``service`` and ``reason`` as dimensions the stack had 96 of
them. So only the names in ``METRICS`` become CloudWatch metrics, each with one bounded dimension
(``environment``: one value per stack, so dev and prod keep their dashboards apart), and at most 20 of them.
Everything counted, catalogue or not, goes as ``counts.<name>.<reason>`` into the invocation's one EMF document
(a property, not a dimension: free to write, summed per reason with Logs Insights on the function's log group).
One document per invocation instead of one per count also keeps the log bytes down, and a count of zero is not
written at all (but for a check's result, ``ZERO_IS_A_RESULT``): an events poller run that found nothing would
otherwise write a document every minute.

Powertools' ``Tracer`` imports the X-Ray SDK (and, through its sampler, botocore's session) even where tracing is
off. It is built only where it traces: in Lambda, unless ``POWERTOOLS_TRACE_DISABLED`` (Powertools' own test, so a
deployed function traces and patches its clients at cold start exactly as before). Elsewhere (``sam local``, the
local runtime, the tests, the bench) ``tracer`` passes the handler through untouched, as a disabled Tracer does.
"""

import json
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any, cast

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricResolution, MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

# The stack's custom metrics: what alarms and the dashboard read. Adding one costs $0.30 a month per stack.
METRICS: frozenset[str] = frozenset(
    {
        # Every SQS consumer: what each record ended in (consumer.py). Records received and webhook events
        # queued are only tallied: AWS/SQS counts them for free (NumberOfMessagesReceived, NumberOfMessagesSent).
        "Sent",
        "Skipped",
        "Failed",
        "Retried",
        "DeadLettered",
        "EngageLatency",
        # Ingress: the webhook and the events poller.
        "WebhookRefusedTotal",
        "EventsLeftUnconfirmed",
        "EventsUnreadable",
        # Engage's preference webhook and changes feed (consent).
        "EngageWebhookRefused",
        "EngageChangesUnavailable",
        # The daily go-live checks and reconciliation.
        "DoctorChecksFailed",
        "DoctorChecksPassed",
        "DoctorChecksNotCheckable",
        "DriftedObjects",
        "ReconciledObjects",
    }
)
MAX_METRICS = 20
# Written by the functions, yet what AWS/SQS already counts for free (NumberOfMessagesReceived on a handler's
# queue, NumberOfMessagesSent on the ingest queue): neither a metric nor a log property.
FREE_IN_AWS: frozenset[str] = frozenset({"Received", "WebhookEventsQueued"})
# A check's result: its zero is news ("no drift today"), written like any other value. Every other count of zero
# means nothing happened and is not written (``_nothing_counted``).
ZERO_IS_A_RESULT: frozenset[str] = frozenset(
    {"DoctorChecksFailed", "DoctorChecksPassed", "DoctorChecksNotCheckable", "DriftedObjects", "ReconciledObjects"}
)
COUNTS = "counts"  # the EMF property holding every count of the invocation, by name and reason


class BoundedMetricsProvider(AmazonCloudWatchEMFProvider):
    """Powertools' EMF provider, keeping to ``METRICS`` and without the per-function ``service`` dimension.

    A name outside the catalogue is tallied in ``counts`` instead of becoming a metric. The function is not
    written at all: each function's documents are in its own log group, which names it. A document with counts
    but no metric is still written (as plain JSON), so a count is never lost with the invocation.
    """

    @property  # type: ignore[override]  # Powertools assigns it; here it is neither a dimension nor a property
    def service(self) -> None:
        return None

    @service.setter
    def service(self, value: str | None) -> None:
        return None

    def add_metric(
        self, name: str, unit: MetricUnit | str, value: float, resolution: MetricResolution | int = 60
    ) -> None:
        if name in FREE_IN_AWS or (name not in ZERO_IS_A_RESULT and _nothing_counted(unit, value)):
            return
        if name not in METRICS:
            self.tally(name, "", value)
            return
        existing = self.metric_set.get(name)
        if existing and existing["Value"] and existing["Unit"] == MetricUnit.Count.value == _unit_value(unit):
            # A count's sum is all CloudWatch needs: one value per document, not one per record.
            existing["Value"][0] += float(value)
            return
        super().add_metric(name=name, unit=unit, value=value, resolution=resolution)

    def tally(self, name: str, reason: str, value: float) -> None:
        if not value:
            return
        counts: dict[str, dict[str, float]] = self.metadata_set.setdefault(COUNTS, {})
        by_reason = counts.setdefault(name, {})
        by_reason[reason] = by_reason.get(reason, 0) + value

    def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
        if is_metrics_disabled() or raise_on_empty_metrics:
            super().flush_metrics(raise_on_empty_metrics=raise_on_empty_metrics)
            return
        if not (self.metric_set or self.metadata_set.get(COUNTS)):
            # Nothing happened (zero counts are dropped on purpose, above): Powertools would write a warning to
            # stderr, one log line on every quiet run of a scheduled function.
            self.clear_metrics()
            return
        if self.metric_set:
            document: Mapping[str, Any] = _counts_as_numbers(cast(dict[str, Any], self.serialize_metric_set()))
        else:
            document = dict(self.metadata_set)
        # One write per document, newline included: print() writes the line break separately, and the local
        # runtime's containers share one stdout (two documents would share a line).
        sys.stdout.write(json.dumps(document, separators=(",", ":")) + "\n")
        self.clear_metrics()


def _unit_value(unit: MetricUnit | str) -> str:
    return unit.value if isinstance(unit, MetricUnit) else unit


def _counts_as_numbers(document: dict[str, Any]) -> dict[str, Any]:
    """A count's one summed value as a plain number (``"Sent":3``, not ``"Sent":[3.0]``): EMF takes a number or
    an array for a metric's value, and every document carries one or more counts."""
    for directive in document["_aws"]["CloudWatchMetrics"]:
        for metric in directive["Metrics"]:
            values = document[metric["Name"]]
            if metric.get("Unit") == MetricUnit.Count.value and len(values) == 1:
                value = values[0]
                document[metric["Name"]] = int(value) if float(value).is_integer() else value
    return document


def _nothing_counted(unit: MetricUnit | str, value: float) -> bool:
    """A count of zero: nothing happened, so nothing is written (an idle scheduled run writes no document).

    Every alarm on these metrics treats missing data as not breaching, so a missing zero reads as a zero.
    """
    return not value and _unit_value(unit) == MetricUnit.Count.value


def bounded_metrics(*, namespace: str | None = None, service: str | None = None) -> Metrics:
    """A Powertools ``Metrics`` on ``BoundedMetricsProvider`` (tests and tools make their own)."""
    # The same class-level sets Powertools' Metrics shares between its instances (one metric set per process).
    provider = BoundedMetricsProvider(
        metric_set=Metrics._metrics,
        dimension_set=Metrics._dimensions,
        metadata_set=Metrics._metadata,
        default_dimensions=Metrics._default_dimensions,
        namespace=namespace,
        service=service or os.environ.get("POWERTOOLS_SERVICE_NAME"),
    )
    return Metrics(provider=provider)


logger = Logger()


class UntracedHandlers:
    """What a disabled ``Tracer`` does to a handler (nothing), without loading the X-Ray SDK."""

    disabled = True

    def capture_lambda_handler[H: Callable[..., Any]](
        self, lambda_handler: H, capture_response: bool | None = None, capture_error: bool | None = None
    ) -> H:
        return lambda_handler


def tracing_enabled() -> bool:
    """Powertools' own decision (``Tracer._is_tracer_disabled``): in Lambda and not switched off."""
    return not Tracer._is_tracer_disabled()


tracer: Tracer | UntracedHandlers = Tracer() if tracing_enabled() else UntracedHandlers()
metrics = bounded_metrics()


def bind(*, service: str, namespace: str, environment: str) -> None:
    logger.append_keys(service=service)
    metrics.namespace = namespace
    metrics.service = service
    metrics.set_default_dimensions(environment=environment)


def count(name: str, reason: str, value: float = 1, *, of: Metrics = metrics) -> None:
    """Count ``value`` of ``name`` for ``reason``: a metric if ``name`` is in ``METRICS``, a tally in any case.

    Flushed with the invocation's metrics (``Metrics.log_metrics`` on every entry point).
    """
    provider: Any = of.provider
    if name in METRICS:
        of.add_metric(name=name, unit=MetricUnit.Count, value=value)
    if isinstance(provider, BoundedMetricsProvider):
        provider.tally(name, reason, value)
