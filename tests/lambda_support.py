"""Lambda test doubles: a context with a remaining-time clock, SQS events, and EMF metric capture."""

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
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
    """(metric name, dimensions) for every EMF blob Powertools printed."""
    found: list[tuple[str, dict[str, str]]] = []
    for line in stdout.splitlines():
        if not line.startswith("{") or "_aws" not in line:
            continue
        blob = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            dimensions = {name: blob[name] for group in directive["Dimensions"] for name in group}
            found.extend((metric["Name"], dimensions) for metric in directive["Metrics"])
    return found


def lambda_context(remaining_ms: int = 60_000) -> "LambdaContext":
    """A ``FakeLambdaContext`` typed as the real thing, for handlers that declare ``LambdaContext``."""
    return cast("LambdaContext", FakeLambdaContext(remaining_ms=remaining_ms))
