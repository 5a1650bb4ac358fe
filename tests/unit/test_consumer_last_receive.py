"""A record failing on its queue's last receive is dead-lettered by the consumer, with its reason and its mark.

Left to SQS, it would reach the DLQ without a reason, and an e-mail waiting for it would wait out its own
receives (about 22 minutes) before following it there.
"""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from engage_bridge.consumer import SqsConsumer
from engage_bridge.dead_letter_marks import DynamoDeadLetterMarks
from tests.aws import create_state_table
from tests.consumer_support import flushing_consumer, idempotency_store
from tests.lambda_support import lambda_context, sqs_event
from tests.unit.test_consumer import Effect, Greeting, RecordingSink, body

LAST = 8


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb")
        create_state_table(client)
        yield client


@pytest.fixture
def marks(dynamodb: Any) -> DynamoDeadLetterMarks:
    return DynamoDeadLetterMarks(dynamodb, "state")


@pytest.fixture
def consumer(dynamodb: Any, marks: DynamoDeadLetterMarks, sink: RecordingSink, effect: Effect) -> SqsConsumer[Greeting]:
    return flushing_consumer(
        Greeting, effect, sink, idempotency_store(dynamodb), dead_letter_marks=marks, max_receive_count=LAST
    )


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def effect() -> Effect:
    return Effect()


def received(behaviour: str, receive_count: int) -> dict[str, object]:
    event = sqs_event([body(1, behaviour=behaviour)])
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = str(receive_count)
    return event


def test_a_retryable_failure_before_the_last_receive_is_retried(
    consumer: SqsConsumer[Greeting], sink: RecordingSink
) -> None:
    response = consumer(received("retryable", LAST - 1), lambda_context())

    assert response == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert sink.sent == []


def test_a_retryable_failure_on_the_last_receive_is_dead_lettered_with_its_reason_and_mark(
    consumer: SqsConsumer[Greeting], sink: RecordingSink, marks: DynamoDeadLetterMarks
) -> None:
    response = consumer(received("retryable", LAST), lambda_context())

    assert response == {"batchItemFailures": []}  # out of the source queue: the consumer moved it
    ((_, attributes),) = sink.sent
    assert attributes["reason"] == "retries_exhausted"
    assert attributes["detail"].startswith("EngageRetryableError")
    assert marks.redrive_count("1:created") == 0  # what a successor waiting for it looks for


def test_an_unexpected_failure_on_the_last_receive_is_dead_lettered_not_raised(
    consumer: SqsConsumer[Greeting], sink: RecordingSink
) -> None:
    response = consumer(received("bug", LAST), lambda_context())

    assert response == {"batchItemFailures": []}
    ((_, attributes),) = sink.sent
    assert attributes["reason"] == "unexpected_failure"
    assert attributes["detail"] == "RuntimeError: boom"


def test_an_unexpected_failure_before_the_last_receive_still_fails_the_invocation(
    consumer: SqsConsumer[Greeting], sink: RecordingSink
) -> None:
    with pytest.raises(Exception, match="failed"):
        consumer(received("bug", 1), lambda_context())  # the function error alarm must see a bug

    assert sink.sent == []
