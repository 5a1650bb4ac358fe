"""The bridge's Engage client against the sandbox over real loopback HTTP."""

import io
import json
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from engage_bridge.config import EngageTimeouts
from engage_bridge.engage import (
    EngageConflict,
    EngageNotFound,
    EngageRetryableError,
    EngageUnauthorized,
    EngageValidationError,
    RetryPolicy,
    paths,
)
from engage_bridge_tools.sandbox import EngageSandbox
from tests.integration.conftest import EngageClientFactory

pytestmark = pytest.mark.integration

EMAIL = "grace.hopper@example.com"
SEED001 = Path(__file__).resolve().parents[2] / "golden" / "seed001"


def _seed_body(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((SEED001 / f"{name}.json").read_text(encoding="utf-8"))
    return body


def _order_body(name: str) -> dict[str, Any]:
    """A seed 001 /orders body with the ``language`` Engage lists as mandatory (the seed omits it; audit D10)."""
    return {**_seed_body(name), "language": "en-US"}


def _fast_timeouts(create_contact: float = 2.0) -> EngageTimeouts:
    # The model demands redeem >= 60 s; model_construct lets a test shorten the others only.
    return EngageTimeouts.model_construct(connect=1.0, default=2.0, create_contact=create_contact, redeem=60.0)


def test_full_contact_lifecycle(engage_client_factory: EngageClientFactory, engage_sandbox: EngageSandbox) -> None:
    client = engage_client_factory(source="ECOM")
    assert client.find_contact_id(EMAIL, "member") is None
    contact_id = client.create_contact(
        {"email": EMAIL, "contactType": "member", "firstName": "Grace", "lastName": "Hopper"},
        store_external_id="Sweden",
    )
    assert client.find_contact_id(EMAIL, "member") == contact_id
    current = client.get_contact(contact_id)["attributes"]
    sent = client.update_contact(
        contact_id, {"firstName": "Grace", "lastName": "", "city": "Arlington"}, current=current
    )
    assert sent == ("city",)
    client.change_contact_type(contact_id, "contact")
    contact = client.get_contact(contact_id)
    assert contact["attributes"]["lastName"] == "Hopper"  # the empty value was never sent
    assert contact["meta"] == {
        **contact["meta"],
        "contactType": "contact",
        "source": "ECOM",
        "storeExternalId": "Sweden",
    }
    user_agents = {entry["user_agent"] for entry in engage_sandbox.requests()}
    assert user_agents == {"centra-engage-bridge/0.1.0 test-brand/1.0"}


def test_every_typed_outcome(engage_client_factory: EngageClientFactory, engage_sandbox: EngageSandbox) -> None:
    client = engage_client_factory()
    engage_sandbox.seed_contact("member", email=EMAIL)
    engage_sandbox.seed_contact("contact", email=EMAIL)
    with pytest.raises(EngageConflict) as multiple:
        client.find_contact_id(EMAIL)
    assert multiple.value.error_code == "MultipleMatches" and len(multiple.value.matches) == 2
    with pytest.raises(EngageNotFound):
        client.get_contact("00000000-0000-4000-8000-000000000000")
    with pytest.raises(EngageValidationError) as invalid:
        client.find_contact_id("not-an-email")
    assert invalid.value.error_code == "InvalidEmailAddress"
    engage_sandbox.set_tenant(order_statuses=[], payment_statuses=[])
    with pytest.raises(EngageValidationError) as rejected:
        client.post_order(_order_body("order_confirmation"))
    assert [(i.code, i.field) for i in rejected.value.issues] == [
        ("InvalidOrderStatus", "OrderStatus"),
        ("InvalidPaymentStatus", "PaymentStatus"),
    ]
    with pytest.raises(EngageUnauthorized):
        engage_client_factory(api_key="wrong").find_contact_id(EMAIL)
    engage_sandbox.script_fault("status", status=503, times=10)
    with pytest.raises(EngageRetryableError) as unavailable:
        client.post_receipt(_seed_body("purchase_receipt"))
    assert unavailable.value.status == 503


def test_promotion_redeem_then_conflict(engage_client: Any, engage_sandbox: EngageSandbox) -> None:
    assignment = engage_sandbox.seed_promotion()
    engage_client.redeem_promotion(assignment)
    with pytest.raises(EngageConflict) as again:
        engage_client.redeem_promotion(assignment)
    assert again.value.error_code == "PromotionAlreadyRedeemed"
    with pytest.raises(EngageNotFound):
        engage_client.redeem_promotion("no-such-assignment")


def test_429_is_retried_after_retry_after(
    engage_client_factory: EngageClientFactory, engage_sandbox: EngageSandbox
) -> None:
    sleeps: list[float] = []
    client = engage_client_factory(sleep=sleeps.append)
    engage_sandbox.script_fault("rate_limit", status=429, retry_after="2", times=2)
    client.post_receipt(_seed_body("purchase_receipt"))
    assert sleeps == [2.0, 2.0]
    assert [entry["status"] for entry in engage_sandbox.requests()] == [429, 429, 202]


def test_422_is_not_retried(engage_client: Any, engage_sandbox: EngageSandbox) -> None:
    engage_sandbox.set_tenant(order_statuses=["ORDER_SHIPPED"])
    with pytest.raises(EngageValidationError):
        engage_client.post_order(_order_body("order_confirmation"))
    assert len(engage_sandbox.requests("POST", paths.ORDERS)) == 1


def test_timeout_after_the_contact_was_created_does_not_create_a_second_one(
    engage_client_factory: EngageClientFactory, engage_sandbox: EngageSandbox
) -> None:
    client = engage_client_factory(timeouts=_fast_timeouts(create_contact=0.2))
    engage_sandbox.script_fault("timeout_after_effect", method="POST", path=paths.CONTACTS, seconds=2.0)
    contact_id = client.create_contact({"email": EMAIL, "contactType": "member"})
    assert [contact["id"] for contact in engage_sandbox.contacts_with_email(EMAIL)] == [contact_id]
    trail = [(entry["method"], entry["path"]) for entry in engage_sandbox.requests()]
    assert trail == [("POST", paths.CONTACTS), ("GET", paths.CONTACT_ID_LOOKUP)]


def test_dropped_connection_after_the_effect_is_verified_too(engage_client: Any, engage_sandbox: EngageSandbox) -> None:
    engage_sandbox.script_fault("drop_after_effect", method="POST", path=paths.CONTACTS)
    contact_id = engage_client.create_contact({"email": EMAIL, "contactType": "member"})
    assert [contact["id"] for contact in engage_sandbox.contacts_with_email(EMAIL)] == [contact_id]


def test_refused_create_is_simply_resent(engage_client: Any, engage_sandbox: EngageSandbox) -> None:
    engage_sandbox.script_fault("status", status=503, method="POST", path=paths.CONTACTS)
    engage_client.create_contact({"email": EMAIL, "contactType": "member"})
    assert [entry["method"] for entry in engage_sandbox.requests()] == ["POST", "POST"]
    assert len(engage_sandbox.contacts_with_email(EMAIL)) == 1


def test_a_blind_resend_would_have_been_a_second_create(engage_sandbox: EngageSandbox) -> None:
    # The control case: Engage refuses the second create (409), and the sandbox records it as the witness of a
    # bridge that creates blindly, which is what makes the tests above meaningful.
    import httpx

    headers = {"apikey": engage_sandbox.api_key, "Content-Type": "application/json"}
    body = {"email": EMAIL, "contactType": "member"}
    with httpx.Client(base_url=engage_sandbox.base_url, headers=headers) as raw:
        raw.post(paths.CONTACTS, json=body)
        second = raw.post(paths.CONTACTS, json=body)
    assert (second.status_code, second.json()["errorCode"]) == (409, "ApprovedContactWithKeyExists")
    assert len(engage_sandbox.contacts_with_email(EMAIL)) == 1
    assert len(engage_sandbox.state()["duplicate_creates"]) == 1


def test_an_order_is_not_resent_after_an_unanswered_attempt(engage_client: Any, engage_sandbox: EngageSandbox) -> None:
    engage_sandbox.script_fault("drop_after_effect", method="POST", path=paths.ORDERS)
    with pytest.raises(EngageRetryableError) as caught:
        engage_client.post_order(_order_body("order_confirmation"))
    assert caught.value.maybe_applied
    assert engage_sandbox.state()["automation_counts"][0]["count"] == 1


def test_back_in_stock_subscription_and_stock_levels(engage_client: Any, engage_sandbox: EngageSandbox) -> None:
    contact_id = engage_sandbox.seed_contact("member", email=EMAIL)
    engage_sandbox.script_fault("drop_after_effect", method="POST", path=paths.BACK_IN_STOCK_SUBSCRIPTIONS)
    subscription_id = engage_client.create_back_in_stock_subscription(contact_id, "SKU-1", "sv-SE", "1")
    assert list(engage_sandbox.state()["subscriptions"]) == [subscription_id]  # verified, not resent
    engage_client.update_stock_levels([{"sku": "SKU-1", "quantity": 3, "locale": "sv-SE", "externalId": "1"}])
    assert len(engage_sandbox.state()["back_in_stock_notifications"]) == 1


def test_bulk_operations_return_batch_ids(engage_client: Any, engage_sandbox: EngageSandbox) -> None:
    batches = engage_client.bulk_create_contacts(
        [{"email": f"c{i}@example.com"} for i in range(3)], contact_type="member"
    )
    assert engage_sandbox.state()["bulk_batches"][batches[0]]["created"] == 3


def test_rate_limiter_keeps_within_budget_where_the_sandbox_would_refuse(
    engage_client_factory: EngageClientFactory, engage_sandbox: EngageSandbox
) -> None:
    budget = 60.0
    engage_sandbox.app.rate_limit = budget + 2  # the client's one-token burst fits under this
    client = engage_client_factory(requests_per_second=budget, retry=RetryPolicy(max_attempts=1))
    for _ in range(80):
        with pytest.raises(EngageNotFound):
            client.get_contact("x")
    log = engage_sandbox.requests()
    assert [entry["status"] for entry in log] == [404] * 80  # not one 429
    moments = [entry["at"] for entry in log]
    busiest = max(sum(1 for t in moments[i:] if t < start + 1.0) for i, start in enumerate(moments))
    assert busiest <= budget + 1


def test_without_the_limiter_the_same_load_meets_429(
    engage_client_factory: EngageClientFactory, engage_sandbox: EngageSandbox
) -> None:
    engage_sandbox.app.rate_limit = 20
    client = engage_client_factory(requests_per_second=None, retry=RetryPolicy(max_attempts=1))
    outcomes = []
    for _ in range(40):
        try:
            client.get_contact("x")
        except (EngageNotFound, EngageRetryableError) as error:
            outcomes.append(error.status)
    assert 429 in outcomes


def test_no_email_or_api_key_in_logs(
    engage_client_factory: EngageClientFactory, engage_sandbox: EngageSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    buffer = io.StringIO()
    logger = Logger(service=f"it-{uuid.uuid4().hex}", logger_handler=logging.StreamHandler(buffer), level="DEBUG")
    client = engage_client_factory(logger=logger, timeouts=_fast_timeouts(create_contact=0.2))
    engage_sandbox.script_fault("timeout_after_effect", method="POST", path=paths.CONTACTS, seconds=1.0)
    engage_sandbox.script_fault("status", status=500, method="GET", path=paths.CONTACT_ID_LOOKUP)
    contact_id = client.create_contact({"email": EMAIL, "contactType": "member"})
    client.update_contact(contact_id, {"firstName": "Grace"})
    errors: list[str] = []
    for email, contact_type in (("bad@@example", None), (EMAIL, "vip")):
        try:
            client.find_contact_id(email, contact_type)
        except EngageValidationError as error:
            errors.append(f"{error} {error.message} {error.issues}")
    assert len(errors) == 2
    captured = buffer.getvalue() + caplog.text + " ".join(errors)
    assert "engage call" in buffer.getvalue()
    for secret in (EMAIL, "grace.hopper", engage_sandbox.api_key, "bad@@example"):
        assert secret not in captured
