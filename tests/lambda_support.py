"""Lambda test doubles: a context with a remaining-time clock, SQS events, and EMF metric capture."""

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.utilities.typing import LambdaContext


@dataclass
class FakeLambdaContext:
    function_name: str = "test-function"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-north-1:123456789012:function:test-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    remaining_ms: int = 60_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def sqs_event(bodies: Iterable[str], queue: str = "test-queue") -> dict[str, Any]:
    """An SQS event as Lambda's poller delivers it: one record per body, unique message ids."""
    records = [
        {
            "messageId": f"m{index}",
            "receiptHandle": f"handle-{index}",
            "body": body,
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
            "messageAttributes": {},
            "md5OfBody": "",
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:eu-north-1:123456789012:{queue}",
            "awsRegion": "eu-north-1",
        }
        for index, body in enumerate(bodies)
    ]
    return {"Records": records}


def emitted_metrics(stdout: str) -> list[tuple[str, dict[str, str]]]:
    """(name, dimensions) for everything the bridge counted in the documents Powertools printed.

    A count (``observability.count``) is a property of its invocation's document, ``counts.<name>.<reason>``,
    whether or not its name is also a CloudWatch metric: it is listed once per unit counted, with its ``reason``
    next to the document's dimensions. A metric written without a count (``EngageLatency``)
    is listed with its dimensions; a name outside the catalogue written with ``add_metric`` is a count of reason
    ``""``.
    """
    found: list[tuple[str, dict[str, str]]] = []
    for line in stdout.splitlines():
        if not line.startswith("{") or ("_aws" not in line and '"counts"' not in line):
            continue
        blob = json.loads(line)
        counts: dict[str, dict[str, float]] = blob.get("counts", {})
        directives = blob.get("_aws", {}).get("CloudWatchMetrics", [])
        dimensions = {name: blob[name] for d in directives for group in d["Dimensions"] for name in group}
        for name, by_reason in counts.items():
            for reason, value in by_reason.items():
                labels = {**dimensions, "reason": reason}
                found.extend((name, labels) for _ in range(max(1, int(value))))
        for directive in directives:
            found.extend((m["Name"], dimensions) for m in directive["Metrics"] if m["Name"] not in counts)
    return found


def cloudwatch_metrics(stdout: str) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    """The distinct CloudWatch metrics (name and dimension values) the printed EMF documents create."""
    found: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    for line in stdout.splitlines():
        if not line.startswith("{") or "_aws" not in line:
            continue
        blob = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for group in directive["Dimensions"]:
                dimensions = tuple(sorted((name, str(blob[name])) for name in group))
                found.update((m["Name"], dimensions) for m in directive["Metrics"])
    return found


def lambda_context(remaining_ms: int = 60_000) -> "LambdaContext":
    """A ``FakeLambdaContext`` typed as the real thing, for handlers that declare ``LambdaContext``."""
    return cast("LambdaContext", FakeLambdaContext(remaining_ms=remaining_ms))


class _Flushing:
    """A handler that flushes its metrics after each call; its attributes are the handler's."""

    def __init__(self, handler: Callable[..., Any], metrics: "Metrics") -> None:
        object.__setattr__(self, "_handler", handler)
        object.__setattr__(self, "_metrics", metrics)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._handler(*args, **kwargs)
        finally:
            self._metrics.flush_metrics()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handler, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._handler, name, value)


def flushing[C: Callable[..., Any]](handler: C, metrics: "Metrics") -> C:
    """``handler`` flushing ``metrics`` after each call, as ``Metrics.log_metrics`` does on every entry point."""
    return cast(C, _Flushing(handler, metrics))


def flushed_output(capsys: Any) -> str:
    """What was printed, after flushing what the domain counted outside a handler (``observability.count``)."""
    from engage_bridge.observability import metrics

    if metrics.namespace is None:
        metrics.namespace = "Test"
    metrics.flush_metrics()
    return str(capsys.readouterr().out)
