"""The whole loop with the real consumer: a handler dead-letters, the operator fixes the cause and redrives,
the fixed messages go out once, a poison message comes back to the DLQ, and a duplicate left by a redrive that
died between send and delete is absorbed by the handler's idempotency."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from pydantic import BaseModel, computed_field

from engage_bridge.consumer import SqsConsumer
from engage_bridge.engage.outcomes import EngageValidationError, ValidationIssue
from engage_bridge.outcome import Outcome
from engage_bridge.wiring import SqsDeadLetters
from engage_bridge_tools.cli import main
from engage_bridge_tools.dlq.letters import Selection
from engage_bridge_tools.dlq.moving import redrive
from engage_bridge_tools.dlq.queues import Queue
from engage_bridge_tools.dlq.scan import QueueScan
from tests.aws import create_state_table
from tests.consumer_support import flushing_consumer, idempotency_store
from tests.lambda_support import lambda_context
from tests.unit.dlq.support import FlakySqs, QueuePair, all_messages, string_attributes, visible_count


class OrderMail(BaseModel):
    order_number: int
    status: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def business_key(self) -> str:
        return f"order:{self.order_number}:email:{self.status}"

    @property
    def correlation_id(self) -> str:
        return f"order:{self.order_number}"


class Tenant:
    """Engage's /orders as far as this test needs: refuses statuses the tenant has no tag for."""

    def __init__(self) -> None:
        self.statuses = {"created"}
        self.mailed: list[str] = []

    def __call__(self, message: OrderMail) -> Outcome:
        if message.status not in self.statuses:
            issue = ValidationIssue("InvalidOrderStatus", "status", f"{message.status} is not a status of this tenant")
            raise EngageValidationError("POST", "/api/v2/orders", 422, None, issues=(issue,), message="invalid order")
        self.mailed.append(message.business_key)
        return Outcome("sent", "order_email")


@pytest.fixture
def tenant() -> Tenant:
    return Tenant()


@pytest.fixture
def consumer(sqs: Any, pair: QueuePair, tenant: Tenant) -> Iterator[SqsConsumer[OrderMail]]:
    dynamodb = boto3.client("dynamodb")
    create_state_table(dynamodb)
    dead_letters = SqsDeadLetters(sqs, pair.dead_letters.url)
    yield flushing_consumer(OrderMail, tenant, dead_letters, idempotency_store(dynamodb), service="order-status")


def deliver(sqs: Any, queue: Queue, consumer: SqsConsumer[OrderMail]) -> None:
    """What Lambda's SQS event source does: receive, invoke, delete what the function did not report failed."""
    messages = sqs.receive_message(
        QueueUrl=queue.url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
    ).get("Messages", [])
    records = [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
            "messageAttributes": {},
            "md5OfBody": "",
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:eu-north-1:123456789012:{queue.name}",
            "awsRegion": "eu-north-1",
        }
        for m in messages
    ]
    failed = {f["itemIdentifier"] for f in consumer({"Records": records}, lambda_context())["batchItemFailures"]}
    for message in messages:
        if message["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"])


def mail(number: int, status: str) -> str:
    return OrderMail(order_number=number, status=status).model_dump_json()


def reasons(sqs: Any, queue: Queue) -> list[str]:
    return sorted(string_attributes(m).get("reason", "") for m in all_messages(sqs, queue))


def test_fixed_messages_go_out_once_and_the_poison_one_returns_to_the_dlq(
    sqs: Any, pair: QueuePair, consumer: SqsConsumer[OrderMail], tenant: Tenant
) -> None:
    for body in (mail(1, "created"), mail(2, "shipped"), mail(3, "shipped"), '{"order_number": "not a number"}'):
        sqs.send_message(QueueUrl=pair.source.url, MessageBody=body)
    deliver(sqs, pair.source, consumer)
    assert reasons(sqs, pair.dead_letters) == ["engage_validation", "engage_validation", "invalid_message"]

    tenant.statuses.add("shipped")  # the fix: Voyado added the status tag
    redriven = main(["dlq", "redrive", "OrderStatusDLQ", "--reason", "engage_validation", "--wait-seconds", "0"])
    deliver(sqs, pair.source, consumer)

    assert redriven == 0
    assert tenant.mailed == ["order:1:email:created", "order:2:email:shipped", "order:3:email:shipped"]
    assert reasons(sqs, pair.dead_letters) == ["invalid_message"]
    assert visible_count(sqs, pair.dead_letters) == 1

    main(["dlq", "redrive", "OrderStatusDLQ", "--reason", "invalid_message", "--wait-seconds", "0"])
    deliver(sqs, pair.source, consumer)

    (poison,) = all_messages(sqs, pair.dead_letters)
    assert poison["Body"] == '{"order_number": "not a number"}'
    assert string_attributes(poison)["reason"] == "invalid_message"
    assert visible_count(sqs, pair.source) == 0


def test_a_redrive_that_died_between_send_and_delete_sends_no_second_email(
    sqs: Any, pair: QueuePair, consumer: SqsConsumer[OrderMail], tenant: Tenant
) -> None:
    sqs.send_message(QueueUrl=pair.source.url, MessageBody=mail(2, "shipped"))
    deliver(sqs, pair.source, consumer)
    tenant.statuses.add("shipped")
    flaky = FlakySqs(sqs, delete_message_batch=lambda call: True)
    scan = QueueScan(flaky, pair.dead_letters, wait_seconds=0)
    redrive(flaky, scan, pair.dead_letters, pair.source, Selection(), dry_run=False)
    deliver(sqs, pair.source, consumer)  # the copy that reached the source queue

    main(["dlq", "redrive", "OrderStatusDLQ", "--wait-seconds", "0"])  # the copy left in the DLQ
    deliver(sqs, pair.source, consumer)

    assert tenant.mailed == ["order:2:email:shipped"]
    assert visible_count(sqs, pair.dead_letters) == visible_count(sqs, pair.source) == 0
