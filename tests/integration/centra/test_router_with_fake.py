"""The router Lambda against the Centra fake: ingest message in, effects on the handler queues out."""

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from engage_bridge.centra.client import CentraClient
from engage_bridge.messages import IngestEvent
from engage_bridge_tools.local.handlers import load_handler
from engage_bridge_tools.local.template import functions, resolve_environment
from tests.aws import create_state_table
from tests.integration.centra.conftest import CentraFakeHandle
from tests.lambda_support import lambda_context, sqs_event

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
ROUTES = ("contact_upsert", "order_status", "receipt_push", "promotion_redemption", "stock_relay")


@pytest.fixture
def router(
    centra_fake: CentraFakeHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Callable[..., Any], dict[str, str], Any]]:
    with mock_aws():
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        sqs = boto3.client("sqs")
        create_state_table(boto3.client("dynamodb"))
        boto3.client("secretsmanager").create_secret(Name="centra/token", SecretString=centra_fake.token)
        queues = {route: sqs.create_queue(QueueName=route)["QueueUrl"] for route in (*ROUTES, "ingest-dlq")}
        config = json.loads((REPO / "tools/engage_bridge_tools/data/brand.example.json").read_text())
        config["contact_sync"] = "all"
        (tmp_path / "brand.json").write_text(json.dumps(config))
        local = {
            "ENVIRONMENT_NAME": "test",
            "STATE_TABLE_NAME": "state",
            "DEAD_LETTER_QUEUE_URL": queues["ingest-dlq"],
            "BRAND_CONFIG_PARAMETER": "/unused",
            "CENTRA_GRAPHQL_URL": centra_fake.graphql_url,
            "CENTRA_TOKEN_SECRET": "centra/token",
            **{f"{route.upper()}_QUEUE_URL": url for route, url in queues.items() if route in ROUTES},
        }
        spec = functions()["router"]
        for name, value in resolve_environment(spec, local).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("BRAND_CONFIG_FILE", str(tmp_path / "brand.json"))
        yield load_handler(spec), queues, sqs


def queued(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_an_order_event_routes_every_effect_its_current_state_implies(
    router: tuple[Callable[..., Any], dict[str, str], Any], centra_fake: CentraFakeHandle
) -> None:
    handler, queues, sqs = router
    with CentraClient(centra_fake.graphql_url, centra_fake.token) as centra:
        order = centra.order(1001)
    assert order is not None
    event = IngestEvent(source="events", object_type="order", object_id=1001, change="UPDATED", centra_event_id=1)

    response = handler(sqs_event([event.model_dump_json()]), lambda_context())

    assert response == {"batchItemFailures": []}
    emails = {m["business_key"] for m in queued(sqs, queues["order_status"])}
    shipped = {f"order:1001:email:shipped:shipment:{s.id}" for s in order.shipments if s.is_completed}
    assert shipped and shipped <= emails
    assert {m["business_key"] for m in queued(sqs, queues["receipt_push"])} == {
        *(f"order:1001:receipt:purchase:shipment:{s.id}" for s in order.shipments if s.is_completed),
        *(f"order:1001:receipt:return:return:{r.id}" for r in order.returns if r.is_completed),
    }
    assert [m["kind"] for m in queued(sqs, queues["contact_upsert"])] == ["customer"]


def test_an_unknown_object_is_counted_not_routed(router: tuple[Callable[..., Any], dict[str, str], Any]) -> None:
    handler, queues, sqs = router
    event = IngestEvent(source="webhook", object_type="order", object_id=987654, change="update")

    response = handler(sqs_event([event.model_dump_json()]), lambda_context())

    assert response == {"batchItemFailures": []}
    assert all(queued(sqs, url) == [] for url in queues.values())


def test_a_revoked_centra_token_sends_the_event_to_the_dlq_with_its_reason(
    router: tuple[Callable[..., Any], dict[str, str], Any], centra_fake: CentraFakeHandle
) -> None:
    handler, queues, sqs = router
    good = IngestEvent(source="events", object_type="order", object_id=1002, centra_event_id=2)
    centra_fake.fake.tokens.clear()  # the stack's token is revoked: every request fails authorization
    centra_fake.fake.tokens["something-else"] = "other"

    response = handler(sqs_event([good.model_dump_json(), good.model_dump_json()]), lambda_context())

    # A revoked token cannot fix itself: both records go to the DLQ with the reason, none is retried forever.
    assert response == {"batchItemFailures": []}
    dead = sqs.receive_message(QueueUrl=queues["ingest-dlq"], MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    reasons = {m["MessageAttributes"]["reason"]["StringValue"] for m in dead["Messages"]}
    assert reasons == {"centra_unauthorized"}


def test_a_customer_anonymised_in_centra_is_routed_as_an_erasure_not_synced(
    router: tuple[Callable[..., Any], dict[str, str], Any], centra_fake: CentraFakeHandle
) -> None:
    handler, queues, sqs = router
    with CentraClient(centra_fake.graphql_url, centra_fake.token) as centra:
        assert centra.customer_and_anonymised(1)[1] is False
        centra_fake.fake.anonymize_customer(1)  # Centra's GDPR anonymisation: the record stays, the filter finds it
        customer, anonymised = centra.customer_and_anonymised(1)
    assert customer is not None and anonymised is True
    event = IngestEvent(source="events", object_type="customer", object_id=1, change="UPDATED", centra_event_id=3)

    response = handler(sqs_event([event.model_dump_json()]), lambda_context())

    assert response == {"batchItemFailures": []}
    assert [(m["kind"], m["customer"]["id"]) for m in queued(sqs, queues["contact_upsert"])] == [("erasure", 1)]
    assert centra_fake.fake.refused == []
