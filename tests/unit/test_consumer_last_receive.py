"""A record failing on its queue's last receive is dead-lettered by the consumer, with its reason and its mark.

Left to SQS, it would reach the DLQ without a reason, and an e-mail waiting for it would wait out its own
receives (about 22 minutes) before following it there.
"""

from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from moto import mock_aws

from engage_bridge.consumer import SqsConsumer
from engage_bridge.dead_letter_marks import DynamoDeadLetterMarks
from engage_bridge.observability import bounded_metrics
from tests.aws import create_state_table
from tests.lambda_support import flushing, lambda_context, sqs_event
from tests.unit.test_consumer import Effect, Greeting, RecordingSink, body

LAST = 8


@pytest.fixture
def marks() -> Iterator[DynamoDeadLetterMarks]:
    with mock_aws():
        client = boto3.client("dynamodb")
        create_state_table(client)
        yield DynamoDeadLetterMarks(client, "state")


@pytest.fixture
def consumer(marks: DynamoDeadLetterMarks, sink: RecordingSink, effect: Effect) -> SqsConsumer[Greeting]:
    metrics = bounded_metrics(namespace="Test", service="test")
    persistence = DynamoDBPersistenceLayer(
        table_name="state", key_attr="pk", sort_key_attr="sk", static_pk_value="idempotency#test"
    )
    return flushing(
        SqsConsumer(
            message_model=Greeting,
            effect=effect,
            dead_letters=sink,
            persistence=persistence,
            metrics=metrics,
            logger=Logger(service="test"),
            dead_letter_marks=marks,
            max_receive_count=LAST,
        ),
        metrics,
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
