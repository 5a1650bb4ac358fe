"""The shared SQS consumer as a test builds it: DynamoDB idempotency on the state table, bounded metrics flushed
after each batch, and whatever optional collaborators (retry later, dead-letter marks) the test wires in."""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from pydantic import BaseModel

from engage_bridge.consumer import DeadLetterSink, SqsConsumer
from engage_bridge.observability import bounded_metrics
from engage_bridge.outcome import Outcome
from tests.lambda_support import flushing


def idempotency_store(dynamodb: Any, space: str = "idempotency#test") -> DynamoDBPersistenceLayer:
    """Powertools idempotency records in the ``state`` table (``tests.aws.create_state_table``) under ``space``."""
    return DynamoDBPersistenceLayer(
        table_name="state", key_attr="pk", sort_key_attr="sk", static_pk_value=space, boto3_client=dynamodb
    )


def flushing_consumer[M: BaseModel](
    message_model: type[M],
    effect: Callable[[M], Outcome],
    dead_letters: DeadLetterSink,
    persistence: DynamoDBPersistenceLayer,
    *,
    service: str = "test",
    **collaborators: Any,
) -> SqsConsumer[M]:
    """An ``SqsConsumer`` that flushes its metrics after each batch, as the function's entry point does."""
    metrics = bounded_metrics(namespace="Test", service=service)
    consumer = SqsConsumer(
        message_model=message_model,
        effect=effect,
        dead_letters=dead_letters,
        persistence=persistence,
        metrics=metrics,
        logger=Logger(service=service),
        **collaborators,
    )
    return flushing(consumer, metrics)
