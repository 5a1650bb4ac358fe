"""The handler queue pair from template.yaml in moto, dead letters written as the consumer writes them, and an
SQS client that fails on demand."""

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from engage_bridge.wiring import SqsDeadLetters
from engage_bridge_tools.dlq.queues import Queue
from engage_bridge_tools.dlq.scan import QueueScan
from tests.aws import template_resource


@dataclass(frozen=True)
class QueuePair:
    source: Queue
    dead_letters: Queue


def create_queue_pair(sqs: Any, prefix: str = "OrderStatus") -> QueuePair:
    """``<prefix>Queue`` and ``<prefix>DLQ`` with the attributes and redrive policy the template gives them."""
    dlq_url = sqs.create_queue(QueueName=f"{prefix}DLQ", Attributes=_attributes(f"{prefix}DLQ"))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    source = _attributes(f"{prefix}Queue")
    policy = _properties(f"{prefix}Queue")["RedrivePolicy"]
    source["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": policy["maxReceiveCount"]})
    source_url = sqs.create_queue(QueueName=f"{prefix}Queue", Attributes=source)["QueueUrl"]
    return QueuePair(Queue(source_url), Queue(dlq_url))


@functools.cache
def _properties(logical_id: str) -> dict[str, Any]:
    properties: dict[str, Any] = template_resource(logical_id)["Properties"]
    return properties


def _attributes(logical_id: str) -> dict[str, str]:
    properties = _properties(logical_id)
    return {
        name: str(properties[name]).lower() if isinstance(properties[name], bool) else str(properties[name])
        for name in ("VisibilityTimeout", "MessageRetentionPeriod", "SqsManagedSseEnabled")
        if name in properties
    }


def dead_letter(sqs: Any, queue: Queue, body: str, **attributes: str) -> str:
    """Dead-letter ``body`` (unique per test) with the layer's own sender, as a handler does; its message id."""
    SqsDeadLetters(sqs, queue.url).send(body, attributes)
    message_id: str = next(m["MessageId"] for m in all_messages(sqs, queue) if m["Body"] == body)
    return message_id


def order_body(number: int, status: str = "shipped") -> str:
    return json.dumps({"order_number": number, "status": status, "business_key": f"order:{number}:email:{status}"})


def all_messages(sqs: Any, queue: Queue) -> list[dict[str, Any]]:
    """Every message in ``queue``, with attributes, leaving them all visible (a test's own look, not the tool's)."""
    with QueueScan(sqs, queue, wait_seconds=0) as scan:
        return [
            {"MessageId": letter.message_id, "Body": letter.body, "MessageAttributes": letter.message_attributes}
            for batch in scan.batches()
            for letter in batch
        ]


def visible_count(sqs: Any, queue: Queue) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue.url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0", "a message was left hidden"
    return int(attributes["ApproximateNumberOfMessages"])


def string_attributes(message: Mapping[str, Any]) -> dict[str, str]:
    return {name: value["StringValue"] for name, value in message.get("MessageAttributes", {}).items()}


class FlakySqs:
    """A real (moto) SQS client whose chosen calls fail: ``failures[operation](kwargs)`` returns True to raise
    for that call, or a list of entry ids to report as failed in a batch answer."""

    def __init__(self, real: Any, **failures: Callable[[dict[str, Any]], bool | list[str]]) -> None:
        self._real = real
        self._failures = failures
        self.calls: dict[str, int] = {}

    def __getattr__(self, operation: str) -> Any:
        real = getattr(self._real, operation)
        decide = self._failures.get(operation)
        if decide is None:
            return real

        def call(**kwargs: Any) -> Any:
            self.calls[operation] = self.calls.get(operation, 0) + 1
            verdict = decide(kwargs)
            if verdict is True:
                raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, operation)
            if not verdict:
                return real(**kwargs)
            failed_ids = set(verdict)
            entries = [entry for entry in kwargs["Entries"] if entry["Id"] not in failed_ids]
            answer = real(**{**kwargs, "Entries": entries}) if entries else {"Successful": []}
            answer["Failed"] = [
                {"Id": entry_id, "Code": "InternalError", "Message": "injected", "SenderFault": False}
                for entry_id in sorted(failed_ids)
            ]
            return answer

        return call
