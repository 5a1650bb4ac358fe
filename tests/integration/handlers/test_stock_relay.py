"""Stock relay end to end: absolute levels per market and locale, sent only when changed, in order."""

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from engage_bridge_tools.sandbox import EngageSandbox
from tests.integration.handlers.conftest import DeployedHandler, load_event
from tests.lambda_support import sqs_event

pytestmark = pytest.mark.integration

Deploy = Callable[..., DeployedHandler]


def level(quantity: int, at: str, sku: str = "113185-L30-W31", market: int = 1) -> str:
    return json.dumps(
        {
            "level": {"productSize": {"SKU": sku}, "market": {"id": market}, "freeToAllocateQuantity": quantity},
            "event_time": at,
        }
    )


def stock_puts(sandbox: EngageSandbox) -> list[list[dict[str, object]]]:
    return [entry["body"] for entry in sandbox.requests("PUT", "/api/v2/inventory/stock-levels/batch")]


def test_sample_levels_reach_engage_per_configured_locale(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    handler = deploy("stock_relay")

    response = handler.invoke(load_event("stock_relay"))

    assert response == {"batchItemFailures": []}
    levels = engage_sandbox.state()["stock_levels"]
    assert levels["113185-L30-W31|sv-SE|1"]["quantity"] == 12
    assert {key for key in levels if key.startswith("170232-B21-002")} == {
        "170232-B21-002|en-GB|2",
        "170232-B21-002|de-DE|2",
    }


def test_unchanged_and_out_of_order_levels_are_not_resent(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    handler = deploy("stock_relay")

    handler.invoke(sqs_event([level(5, "2026-11-23T10:00:00+00:00")]))
    handler.invoke(sqs_event([level(5, "2026-11-23T10:05:00+00:00")]))  # same quantity, later
    handler.invoke(sqs_event([level(9, "2026-11-23T09:00:00+00:00")]))  # older event, arriving late

    assert [[entry["quantity"] for entry in put] for put in stock_puts(engage_sandbox)] == [[5]]


def test_a_redelivered_level_is_sent_once_with_no_idempotency_record(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    handler = deploy("stock_relay")
    event = sqs_event([level(5, "2026-11-23T10:00:00+00:00")])

    handler.invoke(event)
    handler.invoke(event)  # SQS delivered it again: the level record answers it as stale

    assert [[entry["quantity"] for entry in put] for put in stock_puts(engage_sandbox)] == [[5]]
    kinds = {item["pk"]["S"].split("#")[0] for item in handler.dynamodb.scan(TableName="state")["Items"]}
    assert "stock" in kinds and "idempotency" not in kinds


def test_a_failed_send_is_retried_not_taken_for_unchanged(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    handler = deploy("stock_relay")
    engage_sandbox.script_fault("status", method="PUT", path="/api/v2/inventory/stock-levels", times=1, status=503)
    event = sqs_event([level(3, "2026-11-23T10:00:00+00:00"), level(1, "2026-11-23T10:00:00+00:00", sku="OTHER")])

    first = handler.invoke(event)
    second = handler.invoke(sqs_event([level(3, "2026-11-23T10:00:00+00:00")]))

    assert first == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert second == {"batchItemFailures": []}
    assert engage_sandbox.state()["stock_levels"]["113185-L30-W31|sv-SE|1"]["quantity"] == 3


def test_a_restock_from_zero_triggers_back_in_stock_for_a_subscriber(
    deploy: Deploy, engage_sandbox: EngageSandbox, engage_client: object
) -> None:
    handler = deploy("stock_relay")
    contact = engage_sandbox.seed_contact("member", email="waiting@example.com")
    handler.invoke(sqs_event([level(0, "2026-11-23T10:00:00+00:00")]))
    engage_client.create_back_in_stock_subscription(contact, "113185-L30-W31", "sv-SE", "1")  # type: ignore[attr-defined]

    handler.invoke(sqs_event([level(4, "2026-11-23T11:00:00+00:00")]))

    (notification,) = engage_sandbox.state()["back_in_stock_notifications"]
    assert notification["sku"] == "113185-L30-W31"


def test_a_failed_record_waits_in_its_queue_on_voyados_cadence(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    hidden: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        hidden.append(dict(params))

    handler = deploy("stock_relay")
    sqs = boto3.client("sqs")
    queue = sqs.get_queue_url(QueueName="stock_relay")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody=level(3, "2026-11-23T10:00:00+00:00"))
    for _ in range(2):  # the second delivery: ApproximateReceiveCount 2
        (message,) = sqs.receive_message(QueueUrl=queue, AttributeNames=["All"], VisibilityTimeout=0)["Messages"]
    engage_sandbox.script_fault("status", method="PUT", path="/api/v2/inventory/stock-levels", times=1, status=503)
    event = sqs_event([message["Body"], level(1, "2026-11-23T10:00:00+00:00", sku="OTHER")])
    event["Records"][0].update(receiptHandle=message["ReceiptHandle"], attributes=message["Attributes"])

    # The handler makes its SQS client on first use (aws_clients.LazyClient), copying the session's hooks then.
    session = boto3._get_default_session()
    session.events.register("provide-client-params.sqs.ChangeMessageVisibility", record)
    try:
        response = handler.invoke(event)
    finally:
        session.events.unregister("provide-client-params.sqs.ChangeMessageVisibility", record)

    assert response == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert [(call["ReceiptHandle"], call["VisibilityTimeout"]) for call in hidden] == [(message["ReceiptHandle"], 30)]
    assert sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages", []) == []  # hidden for now
