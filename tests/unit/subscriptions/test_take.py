"""The subscription endpoint's rules, against the strict Engage sandbox in process (httpx.MockTransport, no sockets).

Every refusal, the throttle, idempotence and the contact and consent rules are asserted on what Engage ends up
holding, not on calls made.
"""

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from moto import mock_aws

from engage_bridge.config import BrandConfig, parse_config
from engage_bridge.contacts import ContactDirectory
from engage_bridge.engage.client import EngageClient
from engage_bridge.state import DynamoStateStore
from engage_bridge.subscriptions.catalogue import DynamoSkuCatalogue
from engage_bridge.subscriptions.proof import sign
from engage_bridge.subscriptions.take import Endpoint, SubscriptionAnswer, take_subscription
from engage_bridge.subscriptions.throttle import DynamoThrottle
from engage_bridge_tools.sandbox.app import SandboxApp
from tests.aws import create_state_table

SECRET = "storefront-secret"
NOW = 1_800_000_000.0
CONFIG = {
    "engage": {"base_url": "https://engage.example", "api_key_secret": "engage-key"},
    "store_external_id": "brand.example",
    "default_language": "sv-SE",
    "back_in_stock": {
        "locales_by_market": {"1": ["sv-SE"], "2": ["en-GB", "de-DE"]},
        "subscriptions_per_client_per_hour": 4,
        "subscriptions_per_email_per_hour": 3,
    },
}


class Stack:
    def __init__(self, sandbox: SandboxApp, endpoint: Endpoint, catalogue: DynamoSkuCatalogue) -> None:
        self.sandbox = sandbox
        self.endpoint = endpoint
        self.catalogue = catalogue

    def post(
        self, body: dict[str, Any] | bytes, *, client: str = "203.0.113.7", proof: str | None = "sign", at: float = NOW
    ) -> SubscriptionAnswer:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        header = sign(SECRET, raw, int(at) + 300) if proof == "sign" else proof
        return take_subscription(self.endpoint, raw, header, client, [SECRET], now=at)

    def contacts(self) -> list[dict[str, Any]]:
        return list(self.sandbox.state.snapshot()["contacts"].values())

    def subscriptions(self) -> list[dict[str, Any]]:
        return list(self.sandbox.state.snapshot()["subscriptions"].values())


def _sandbox_transport(sandbox: SandboxApp) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        target = request.url.raw_path.decode()
        reply = sandbox.handle(request.method, target, dict(request.headers), request.content).reply
        content = b"" if reply.body is None else json.dumps(reply.body).encode()
        return httpx.Response(reply.status, content=content, headers={"content-type": "application/json"})

    return httpx.MockTransport(handle)


@pytest.fixture
def stack() -> Iterator[Stack]:
    cfg: BrandConfig = parse_config(CONFIG)
    sandbox = SandboxApp(api_key="k", rate_limit=None)
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        create_state_table(dynamodb)
        catalogue = DynamoSkuCatalogue(dynamodb, "state", clock=lambda: NOW)
        catalogue.record("1", ["SKU-M", "SKU-L"])
        catalogue.record("2", ["SKU-M"])
        engage = EngageClient(
            "https://engage.example", "k", requests_per_second=None, transport=_sandbox_transport(sandbox)
        )
        endpoint = Endpoint(
            cfg=cfg,
            throttle=DynamoThrottle(dynamodb, "state", per_client=4, per_email=3, clock=lambda: NOW),
            catalogue=catalogue,
            contacts=ContactDirectory(engage, DynamoStateStore(dynamodb, "state", clock=time.time), "ECOM"),
            engage=engage,
            proof_max_age_seconds=900,
        )
        yield Stack(sandbox, endpoint, catalogue)


def request(**changes: Any) -> dict[str, Any]:
    return {
        "email": "ada@example.com",
        "sku": "SKU-M",
        "market": "1",
        "locale": "sv-SE",
        "newsletter": False,
        **changes,
    }


# --- proof -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proof", "reason"),
    [
        (None, "proof_missing"),
        ("", "proof_missing"),
        ("v1=abc", "proof_malformed"),
        ("t=1800000300", "proof_malformed"),
        (f"t={int(NOW) + 300},v1={'0' * 64}", "proof_mismatch"),
        (sign("someone-else", json.dumps(request()).encode(), int(NOW) + 300), "proof_mismatch"),
        (sign(SECRET, json.dumps(request()).encode(), int(NOW) - 1), "proof_expired"),
        (sign(SECRET, json.dumps(request()).encode(), int(NOW) + 3600), "proof_too_long_lived"),
    ],
)
def test_a_request_without_the_storefronts_proof_is_refused_and_changes_nothing(
    stack: Stack, proof: str | None, reason: str
) -> None:
    answer = stack.post(request(), proof=proof)

    assert (answer.status, answer.reason) == (401, reason)
    assert stack.contacts() == [] and stack.subscriptions() == []


def test_a_proof_for_another_body_does_not_cover_a_changed_field(stack: Stack) -> None:
    signed = json.dumps(request()).encode()
    tampered = json.dumps(request(email="victim@example.com")).encode()

    answer = stack.post(tampered, proof=sign(SECRET, signed, int(NOW) + 300))

    assert (answer.status, answer.reason) == (401, "proof_mismatch")


def test_the_previous_secret_is_accepted_during_a_rotation(stack: Stack) -> None:
    raw = json.dumps(request()).encode()
    answer = take_subscription(
        stack.endpoint, raw, sign("old", raw, int(NOW) + 60), "203.0.113.7", ["new", "old"], now=NOW
    )
    assert (answer.status, answer.secret_index) == (201, 1)


# --- fields ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "reason", "field"),
    [
        (request(email="not-an-address"), 400, "invalid_email", "email"),
        (request(email="ada@example"), 400, "invalid_email", "email"),
        (request(email="a da@example.com"), 400, "invalid_email", "email"),
        (request(sku=""), 400, "invalid_request", "sku"),
        (request(market="Sweden"), 400, "invalid_request", "market"),
        (request(locale="swedish"), 400, "invalid_request", "locale"),
        (request(locale="sv_SE"), 400, "invalid_request", "locale"),
        (request(newsletter="yes"), 400, "invalid_request", "newsletter"),
        (request(tenant="x"), 400, "invalid_request", "tenant"),
        (b"email=ada@example.com", 400, "invalid_request", "body"),
        (request(market="9"), 422, "unknown_market", "market"),
        (request(locale="en-GB"), 422, "unknown_locale", "locale"),
        (request(sku="SKU-NOPE"), 422, "unknown_sku", "sku"),
        (request(sku="SKU-L", market="2", locale="en-GB"), 422, "unknown_sku", "sku"),
    ],
)
def test_each_invalid_field_gets_a_clear_4xx_naming_it(
    stack: Stack, body: dict[str, Any] | bytes, status: int, reason: str, field: str
) -> None:
    answer = stack.post(body)

    assert (answer.status, answer.reason, answer.field) == (status, reason, field)
    assert answer.body() == {"status": reason, "field": field}
    assert stack.contacts() == [] and stack.subscriptions() == []


def test_a_body_over_the_limit_is_refused_before_its_proof_is_computed(stack: Stack) -> None:
    answer = stack.post(b"{" + b" " * 5000 + b"}", proof=None)
    assert (answer.status, answer.reason) == (413, "too_large")


# --- throttle ----------------------------------------------------------------------------------------------------


def test_one_client_is_throttled_after_its_hourly_allowance(stack: Stack) -> None:
    answers = [stack.post(request(email=f"p{n}@example.com")) for n in range(5)]

    assert [a.status for a in answers] == [201, 201, 201, 201, 429]
    assert answers[-1].reason == "throttled_client"
    assert answers[-1].retry_after_seconds is not None and 0 < answers[-1].retry_after_seconds <= 3600
    assert len(stack.subscriptions()) == 4
    assert stack.post(request(email="p9@example.com"), client="198.51.100.1").status == 201  # another client


def test_one_address_is_throttled_across_clients(stack: Stack) -> None:
    answers = [stack.post(request(), client=f"198.51.100.{n}") for n in range(4)]

    assert [a.reason for a in answers] == ["subscribed", "already_subscribed", "already_subscribed", "throttled_email"]


def test_the_throttle_window_ends(stack: Stack) -> None:
    for n in range(4):
        stack.post(request(email=f"p{n}@example.com"))
    assert stack.post(request(email="p8@example.com")).status == 429

    an_hour_later = DynamoThrottle(
        boto3.client("dynamodb"), "state", per_client=4, per_email=3, clock=lambda: NOW + 3600
    )
    assert an_hour_later.admit("203.0.113.7", "p8@example.com") is None


def test_a_refused_proof_writes_no_throttle_counter(stack: Stack) -> None:
    for _ in range(10):
        stack.post(request(), proof=None)
    items = boto3.client("dynamodb").scan(TableName="state")["Items"]
    assert [i for i in items if i["pk"]["S"].startswith("throttle#")] == []


# --- contacts, consent and idempotence ----------------------------------------------------------------------------


def test_an_unknown_address_becomes_a_contact_type_record_without_consent_unless_given(stack: Stack) -> None:
    answer = stack.post(request(newsletter=False))

    assert (answer.status, answer.reason, answer.contact_created) == (201, "subscribed", True)
    [contact] = stack.contacts()
    assert contact["contactType"] == "contact"
    assert contact["fields"]["preferences"]["acceptsEmail"] is False
    [subscription] = stack.subscriptions()
    assert subscription["contactId"] == contact["id"]
    assert (subscription["sku"], subscription["locale"], subscription["externalId"]) == ("SKU-M", "sv-SE", "1")


def test_newsletter_consent_is_given_only_when_the_person_ticked_it(stack: Stack) -> None:
    stack.post(request(newsletter=True))

    [contact] = stack.contacts()
    assert contact["fields"]["preferences"]["acceptsEmail"] is True


def test_an_address_with_a_member_subscribes_the_member_and_never_touches_its_consent(stack: Stack) -> None:
    [member_id] = stack.sandbox.seed(
        {"contacts": [{"email": "ada@example.com", "contactType": "member", "preferences": {"acceptsEmail": False}}]}
    )["contacts"]

    answer = stack.post(request(newsletter=True))

    assert (answer.status, answer.contact_created) == (201, False)
    [contact] = stack.contacts()
    assert contact["id"] == member_id and contact["fields"]["preferences"]["acceptsEmail"] is False  # the opt-out stays
    assert contact["patches"] == []
    assert [s["contactId"] for s in stack.subscriptions()] == [member_id]


def test_an_existing_contact_record_keeps_its_opt_out(stack: Stack) -> None:
    [contact_id] = stack.sandbox.seed(
        {"contacts": [{"email": "ada@example.com", "contactType": "contact", "preferences": {"acceptsEmail": False}}]}
    )["contacts"]

    answer = stack.post(request(newsletter=True))

    assert (answer.status, answer.contact_created) == (201, False)
    [contact] = stack.contacts()
    assert contact["id"] == contact_id and contact["fields"]["preferences"]["acceptsEmail"] is False
    assert contact["patches"] == []


def test_the_same_subscription_twice_is_one_subscription(stack: Stack) -> None:
    first = stack.post(request())
    second = stack.post(request(email="ADA@example.com"), client="198.51.100.2")

    assert (first.status, second.status) == (201, 200)
    assert second.reason == "already_subscribed"
    assert len(stack.contacts()) == 1 and len(stack.subscriptions()) == 1


def test_another_size_or_locale_is_another_subscription(stack: Stack) -> None:
    stack.post(request())
    stack.post(request(sku="SKU-L"))
    stack.post(request(market="2", locale="de-DE"))

    assert sorted((s["sku"], s["locale"], s["externalId"]) for s in stack.subscriptions()) == [
        ("SKU-L", "sv-SE", "1"),
        ("SKU-M", "de-DE", "2"),
        ("SKU-M", "sv-SE", "1"),
    ]
    assert len(stack.contacts()) == 1


def test_engage_unavailable_asks_the_storefront_to_try_again(stack: Stack) -> None:
    broken = EngageClient(
        "https://engage.example",
        "k",
        requests_per_second=None,
        transport=httpx.MockTransport(lambda request: httpx.Response(503)),
        sleep=lambda seconds: None,
    )
    stack.endpoint = Endpoint(
        cfg=stack.endpoint.cfg,
        throttle=stack.endpoint.throttle,
        catalogue=stack.endpoint.catalogue,
        contacts=ContactDirectory(broken, DynamoStateStore(boto3.client("dynamodb"), "state"), "ECOM"),
        engage=broken,
        proof_max_age_seconds=900,
    )

    answer = stack.post(request())

    assert (answer.status, answer.reason) == (503, "try_again")
