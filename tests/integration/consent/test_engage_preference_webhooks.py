"""Engage → bridge → Centra (issue 17 item 2): the sandbox sends Svix-signed preference webhooks over loopback to
the webhook function; the consent consumer keeps the opt-out in the state table and, where enabled, writes it to
the Centra fake. Bad signatures, replays and duplicates are refused or taken once."""

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from engage_bridge.consent import DynamoConsentStore
from engage_bridge_tools.centra_fake.fake import DEFAULT_TOKEN, CentraFake
from engage_bridge_tools.centra_fake.server import RunningCentraFake
from engage_bridge_tools.local.handlers import load_handler
from engage_bridge_tools.local.lambda_events import http_api_event
from engage_bridge_tools.local.template import functions, resolve_environment
from engage_bridge_tools.sandbox import EngageSandbox
from engage_bridge_tools.sandbox.webhooks import PreferenceWebhooks, new_secret
from tests.aws import create_state_table
from tests.integration.handlers.conftest import brand_config
from tests.lambda_support import lambda_context, sqs_event

pytestmark = pytest.mark.integration

ENGAGE_KEY_SECRET = "centra-engage-bridge/test/engage-api-key"
WEBHOOK_SECRET = "centra-engage-bridge/test/engage-webhook-secret"
CENTRA_TOKEN_SECRET = "centra-engage-bridge/test/centra-token"
EMAIL = "anna@example.com"  # customers 1 (subscribed) and 4 in the sample shop


@dataclass
class Bridge:
    url: str
    secret: str
    sqs: Any
    dynamodb: Any
    queue_url: str
    consume: Callable[[dict[str, Any]], Any]

    def drain(self) -> list[dict[str, Any]]:
        """Hand every queued preference change to the consent consumer, as Lambda's poller would."""
        bodies: list[str] = []
        while messages := self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages"):
            bodies += [m["Body"] for m in messages]
            for message in messages:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        if bodies:
            assert self.consume(sqs_event(bodies, "consent")) == {"batchItemFailures": []}
        return [json.loads(body) for body in bodies]


class _Api(ThreadingHTTPServer):
    handler: Callable[[dict[str, Any], Any], dict[str, Any]]


class _Route(BaseHTTPRequestHandler):
    server: _Api

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        event = http_api_event(
            "POST", self.path, query="", headers=dict(self.headers.items()), body=body, source_ip="127.0.0.1"
        )
        answer = self.server.handler(event, lambda_context())
        payload = str(answer.get("body") or "").encode()
        self.send_response(answer["statusCode"])
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def centra() -> Iterator[CentraFake]:
    fake = CentraFake.from_file()
    with RunningCentraFake(fake) as running:
        fake.graphql_url = running.graphql_url  # type: ignore[attr-defined]
        yield fake


def _bridge(
    engage_sandbox: EngageSandbox,
    centra: CentraFake,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    encryption_key: str | None = None,
    **consent: Any,
) -> Bridge:
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    dynamodb, sqs = boto3.client("dynamodb"), boto3.client("sqs")
    create_state_table(dynamodb)
    secret = new_secret()
    manager = boto3.client("secretsmanager")
    manager.create_secret(Name=ENGAGE_KEY_SECRET, SecretString=engage_sandbox.api_key)
    keys = {"signing": secret} | ({"encryption_key": encryption_key} if encryption_key else {})
    manager.create_secret(Name=WEBHOOK_SECRET, SecretString=json.dumps(keys))
    manager.create_secret(Name=CENTRA_TOKEN_SECRET, SecretString=DEFAULT_TOKEN)
    config = brand_config(engage_sandbox, consent=consent)
    config_file = tmp_path / "brand.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    queue_url = sqs.create_queue(QueueName="consent")["QueueUrl"]
    local = {
        "ENVIRONMENT_NAME": "test",
        "STATE_TABLE_NAME": "state",
        "CONSENT_QUEUE_URL": queue_url,
        "SOURCE_QUEUE_URL": queue_url,
        "DEAD_LETTER_QUEUE_URL": sqs.create_queue(QueueName="consent-dlq")["QueueUrl"],
        "ENGAGE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "ENGAGE_API_KEY_SECRET": ENGAGE_KEY_SECRET,
        "ENGAGE_REQUESTS_PER_SECOND": "50",
        "ENGAGE_PRIORITY": "customer",
        "CENTRA_GRAPHQL_URL": centra.graphql_url,  # type: ignore[attr-defined]
        "CENTRA_TOKEN_SECRET": CENTRA_TOKEN_SECRET,
        "BRAND_CONFIG_PARAMETER": "/unused/when/a/file/is/given",
    }
    monkeypatch.setenv("BRAND_CONFIG_FILE", str(config_file))
    handlers = {}
    for name in ("engage_webhook", "engage_consent"):
        spec = functions()[name]
        for variable, value in resolve_environment(spec, local).items():
            monkeypatch.setenv(variable, value)
        handlers[name] = load_handler(spec)
    server = _Api(("127.0.0.1", 0), _Route)
    server.handler = handlers["engage_webhook"]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    host, port = server.server_address[:2]
    url = f"http://{host!s}:{port}/engage/webhook"
    engage_sandbox.send_webhooks_to(PreferenceWebhooks(url, secret, encryption_key=encryption_key))
    consume = handlers["engage_consent"]
    return Bridge(url, secret, sqs, dynamodb, queue_url, lambda event: consume(event, lambda_context()))


@pytest.fixture
def bridge_factory(
    engage_sandbox: EngageSandbox, centra: CentraFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Bridge]]:
    with mock_aws():
        yield lambda **options: _bridge(engage_sandbox, centra, tmp_path, monkeypatch, **options)


def test_an_unsubscribe_in_engage_lands_in_the_state_table_and_is_reported_with_the_write_off(
    bridge_factory: Callable[..., Bridge], engage_sandbox: EngageSandbox, centra: CentraFake
) -> None:
    bridge = bridge_factory()
    contact_id = engage_sandbox.seed_contact("member", email=EMAIL, preferences={"acceptsEmail": True})

    delivery = engage_sandbox.change_preference(contact_id, accepts_email=False)
    (change,) = bridge.drain()

    assert delivery is not None and delivery.status == 200
    assert change["contact_id"] == contact_id and not any("accept" in key.casefold() for key in change)
    record = DynamoConsentStore(bridge.dynamodb, "state").consent(EMAIL)
    assert record.opt_out_source == "engage_webhook"
    assert centra.customer_updates == []  # off by default: kept and reported only
    assert engage_sandbox.requests("GET", f"/api/v3/contacts/{contact_id}")  # re-read, not trusted from the payload


def test_with_the_write_on_the_opt_out_reaches_the_centra_customer(
    bridge_factory: Callable[..., Bridge], engage_sandbox: EngageSandbox, centra: CentraFake
) -> None:
    bridge = bridge_factory(write_opt_outs_to_centra=True)
    contact_id = engage_sandbox.seed_contact("contact", email=EMAIL, preferences={"acceptsEmail": True})

    engage_sandbox.change_preference(contact_id, accepts_email=False)
    bridge.drain()

    assert centra.customer_updates == [
        {
            "customerId": 1,
            "input": {"receiveNewsletters": False},
            "integration": centra.customer_updates[0]["integration"],
        }
    ]  # customer 4 shares the address but was not subscribed: nothing to write
    assert centra.shop.customer(1)["newsletter"] is False  # type: ignore[index]
    assert centra.refused == []


def test_a_duplicate_delivery_is_taken_once_and_a_bad_signature_or_a_replay_is_refused(
    bridge_factory: Callable[..., Bridge], engage_sandbox: EngageSandbox
) -> None:
    bridge = bridge_factory()
    contact_id = engage_sandbox.seed_contact("member", email=EMAIL, preferences={"acceptsEmail": True})
    hooks = engage_sandbox.webhooks
    assert hooks is not None

    first = engage_sandbox.change_preference(contact_id, accepts_email=False)
    assert first is not None
    again = hooks.deliver(
        contact_id, "contact.acceptsEmail.changed", {"acceptsEmail": False}, message_id=first.message_id
    )
    forged = PreferenceWebhooks(bridge.url, new_secret()).deliver(contact_id, "contact.acceptsEmail.changed", {})

    replayed = hooks.deliver(
        contact_id, "contact.acceptsEmail.changed", {}, at=datetime.now(UTC) - timedelta(minutes=10)
    )
    webhook_family = PreferenceWebhooks(bridge.url, bridge.secret, headers="webhook").deliver(
        contact_id, "contact.acceptsSms.changed", {"acceptsSms": False}
    )

    assert (first.status, again.status, forged.status, replayed.status) == (200, 200, 401, 401)
    assert webhook_family.status == 200
    assert [c["message_id"] for c in bridge.drain()] == [first.message_id, webhook_family.message_id]


def test_an_encrypted_webhook_is_decrypted_with_the_key_from_the_secret(
    bridge_factory: Callable[..., Bridge], engage_sandbox: EngageSandbox
) -> None:
    bridge = bridge_factory(encryption_key="k" * 16 + "K" * 16)
    contact_id = engage_sandbox.seed_contact("member", email=EMAIL, preferences={"acceptsEmail": True})

    delivery = engage_sandbox.change_preference(contact_id, accepts_email=False)
    (change,) = bridge.drain()

    assert delivery is not None and delivery.status == 200
    assert delivery.body["isEncrypted"] is True and contact_id not in json.dumps(delivery.body)
    assert change["contact_id"] is None and change["encrypted_payload"] == delivery.body["payload"]
    record = DynamoConsentStore(bridge.dynamodb, "state").consent(EMAIL)
    assert record.opt_out_source == "engage_webhook"  # the consumer decrypted the contact id and re-read it


def test_a_change_delivered_twice_is_taken_twice_to_the_same_end_without_an_idempotency_record(
    bridge_factory: Callable[..., Bridge], engage_sandbox: EngageSandbox, centra: CentraFake
) -> None:
    # The consumer keeps no Powertools record (two writes a change): an SQS duplicate re-reads the contact, finds
    # the opt-out kept (the conditional write refuses an equal one) and Centra already saying no.
    bridge = bridge_factory(write_opt_outs_to_centra=True)
    contact_id = engage_sandbox.seed_contact("contact", email=EMAIL, preferences={"acceptsEmail": False})
    body = json.dumps({"source": "changes", "contact_id": contact_id, "observed_at": 1_800_000_000.0})

    assert bridge.consume(sqs_event([body, body], "consent")) == {"batchItemFailures": []}

    record = DynamoConsentStore(bridge.dynamodb, "state").consent(EMAIL)
    assert (record.opted_out_at, record.opt_out_source) == (1_800_000_000.0, "engage_changes")
    assert len(centra.customer_updates) == 1  # the second copy found customer 1 no longer subscribed
    kinds = {item["pk"]["S"].split("#")[0] for item in bridge.dynamodb.scan(TableName="state")["Items"]}
    assert not any(kind.startswith("idempotency") for kind in kinds)
