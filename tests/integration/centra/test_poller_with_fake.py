"""The events poller against the Centra fake over loopback and moto's SQS: nothing confirmed unqueued."""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from engage_bridge.centra.client import CentraClient
from engage_bridge.ingress.poller import poll, register_listeners
from engage_bridge.ingress.queue import SqsIngestQueue
from tests.integration.centra.conftest import CentraFakeHandle

pytestmark = pytest.mark.integration


@pytest.fixture
def ingest() -> Iterator[tuple[Any, str]]:
    with mock_aws():
        sqs = boto3.client("sqs")
        yield sqs, sqs.create_queue(QueueName="ingest")["QueueUrl"]


def drain(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        messages.extend(json.loads(m["Body"]) for m in batch)
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
        )
    return messages


def test_shop_changes_reach_the_ingest_queue_and_are_confirmed(
    centra_fake: CentraFakeHandle, ingest: tuple[Any, str]
) -> None:
    sqs, queue_url = ingest
    with CentraClient(centra_fake.graphql_url, centra_fake.token) as centra:
        register_listeners(centra)
        centra_fake.fake.ship_order(1002)
        centra_fake.fake.set_stock("BAG100-ONE", 104, 3)

        result = poll(centra, SqsIngestQueue(sqs, queue_url), lambda: 60.0)

    messages = drain(sqs, queue_url)
    assert result.queued == len(messages) > 0
    assert centra_fake.fake.pending_events() == []
    assert {(m["object_type"], m["source"]) for m in messages} >= {("order", "events"), ("shipment", "events")}
    stock = [m for m in messages if m["object_type"] == "stock_change"]
    assert stock and all(m["skus"] == ["BAG100-ONE"] for m in stock)


def test_events_whose_enqueue_failed_come_back_on_the_next_run(
    centra_fake: CentraFakeHandle, ingest: tuple[Any, str]
) -> None:
    sqs, queue_url = ingest
    with CentraClient(centra_fake.graphql_url, centra_fake.token) as centra:
        register_listeners(centra)
        centra_fake.fake.cancel_order(1004)

        failed = poll(
            centra, SqsIngestQueue(sqs, "https://sqs.eu-north-1.amazonaws.com/123456789012/gone"), lambda: 60.0
        )
        after = poll(centra, SqsIngestQueue(sqs, queue_url), lambda: 60.0)

    assert failed.queued == 0 and failed.not_queued > 0
    assert after.queued == failed.not_queued
    assert [m["object_id"] for m in drain(sqs, queue_url) if m["object_type"] == "order"] == [1004] * after.queued
    assert centra_fake.fake.pending_events() == []


def test_a_shared_integration_name_is_detected_against_the_fake(centra_fake: CentraFakeHandle) -> None:
    with CentraClient(centra_fake.graphql_url, centra_fake.token) as centra:
        clean = register_listeners(centra)
        centra.set_event_listeners(["Warehouse"])  # what a second consumer on the same name would do

        shared = register_listeners(centra)

    assert clean == []
    assert shared == ["Warehouse"]
