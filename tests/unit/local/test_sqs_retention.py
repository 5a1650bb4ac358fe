"""Inside ``retention_check_without_counting`` a receive still honours the retention period, without building the
queue's attribute set (which counts every message) once per message handed out."""

import time
from collections.abc import Iterator
from typing import Any, cast

import boto3
import pytest
from moto import mock_aws
from moto.sqs.models import Message, Queue, SQSBackend, sqs_backends

from engage_bridge_tools.local.sqs_retention import retention_check_without_counting

REGION = "eu-north-1"
ACCOUNT = "123456789012"


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


class _Sent:
    def __init__(self, seconds_ago: float) -> None:
        self.sent_timestamp = int((time.time() - seconds_ago) * 1000)


def _sent(seconds_ago: float) -> Message:
    return cast(Message, _Sent(seconds_ago))


def test_a_message_older_than_the_retention_period_is_expired_and_a_newer_one_is_not(sqs: Any) -> None:
    sqs.create_queue(QueueName="retained", Attributes={"MessageRetentionPeriod": "60"})
    backend = sqs_backends[ACCOUNT][REGION]
    with retention_check_without_counting():
        assert backend.is_message_valid_based_on_retention_period("retained", _sent(seconds_ago=5))
        assert not backend.is_message_valid_based_on_retention_period("retained", _sent(seconds_ago=120))


def test_receiving_a_backlog_never_builds_the_queue_attribute_set(sqs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    url = sqs.create_queue(QueueName="backlog")["QueueUrl"]
    for start in range(0, 50, 10):
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": str(n)} for n in range(start, start + 10)]
        )
    built = 0
    attributes = Queue.attributes

    def counting(queue: Queue) -> dict[str, Any]:
        nonlocal built
        built += 1
        return attributes.fget(queue)  # type: ignore[attr-defined,no-any-return]

    monkeypatch.setattr(Queue, "attributes", property(counting))
    with retention_check_without_counting():
        batches = [sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10) for _ in range(5)]
    received = sum(len(batch.get("Messages", [])) for batch in batches)
    assert received == 50
    assert built == 0


def test_the_block_restores_moto_when_it_ends() -> None:
    before = SQSBackend.is_message_valid_based_on_retention_period
    with retention_check_without_counting():
        assert SQSBackend.is_message_valid_based_on_retention_period is not before
    assert SQSBackend.is_message_valid_based_on_retention_period is before
