"""Consent end to end (issue 17 item 1): a person who opted out is never written ``acceptsEmail: true`` by a name
change, an order or a replay; a fresh opt-in still is; an opt-out from Centra always goes through."""

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from engage_bridge.consent import DynamoConsentStore
from engage_bridge_tools.sandbox import EngageSandbox
from tests.integration.handlers.conftest import DeployedHandler, load_event, records
from tests.lambda_support import sqs_event

pytestmark = pytest.mark.integration

Deploy = Callable[..., DeployedHandler]
EMAIL = "anna@example.com"


def customer(**fields: Any) -> str:
    base = {
        "id": 77,
        "email": EMAIL,
        "firstName": "Anna",
        "registered": True,
        "receiveNewsletters": True,
        "billingAddress": {"city": "Malmö", "zipCode": "21120", "country": {"name": "Sweden", "code": "SE"}},
    }
    return json.dumps({"kind": "customer", "customer": {**base, **fields}})


def subscription(**fields: Any) -> str:
    base = {"id": 5, "email": EMAIL, "isActive": True, "createdAt": "2026-01-01T10:00:00+01:00"}
    return json.dumps({"kind": "newsletter", "subscription": {**base, **fields}})


def accepts_email_writes(sandbox: EngageSandbox) -> list[bool]:
    """Every acceptsEmail value the bridge sent, on create or PATCH."""
    sent = sandbox.requests("POST", "/api/v3/contacts") + sandbox.requests("PATCH", "/api/v3/contacts/")
    return [
        r["body"]["preferences"]["acceptsEmail"]
        for r in sent
        if "acceptsEmail" in (r["body"] or {}).get("preferences", {})
    ]


def newsletter_contacts(sandbox: EngageSandbox) -> list[dict[str, Any]]:
    return [c for c in sandbox.contacts_with_email(EMAIL) if c["meta"]["contactType"] == "contact"]


def consent(handler: DeployedHandler) -> Any:
    return DynamoConsentStore(handler.dynamodb, "state").consent(EMAIL)


def test_a_member_who_opted_out_in_engage_is_not_resubscribed_by_a_name_change(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    # Unsubscribed through an Engage e-mail: Centra's flag is still true (seed 001: nothing flows back).
    engage_sandbox.seed_contact("member", email=EMAIL, firstName="Ann", preferences={"acceptsEmail": False})
    handler = deploy("contact_upsert", customer_updates=True)

    response = handler.invoke(sqs_event([customer()]))
    handler.invoke(sqs_event([customer(firstName="Annie")]))  # a second unrelated change
    handler.invoke(sqs_event([customer(firstName="Annie")]))  # and a replay of it

    assert response == {"batchItemFailures": []}
    assert newsletter_contacts(engage_sandbox) == []
    assert True not in accepts_email_writes(engage_sandbox)
    (member,) = engage_sandbox.contacts_with_email(EMAIL)
    assert member["preferences"] == {"acceptsEmail": False}
    assert member["attributes"]["firstName"] == "Annie"  # the name change itself went through
    assert consent(handler).opt_out_source == "engage_contact"


def test_an_opt_out_the_bridge_knows_holds_against_an_existing_contact_and_a_replay(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    engage_sandbox.seed_contact("member", email=EMAIL, preferences={"acceptsEmail": True})
    engage_sandbox.seed_contact("contact", email=EMAIL, preferences={"acceptsEmail": False})
    handler = deploy("contact_upsert")
    DynamoConsentStore(handler.dynamodb, "state").record_opt_out(EMAIL, time.time(), "engage")  # after the sign-up

    handler.invoke(sqs_event([customer(), customer(firstName="Annie"), subscription()]))

    assert True not in accepts_email_writes(engage_sandbox)
    (contact,) = newsletter_contacts(engage_sandbox)
    assert contact["preferences"] == {"acceptsEmail": False}


def test_an_order_never_carries_consent(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    event = records(load_event("order_status"), 0)  # the order confirmation
    body = json.loads(event["Records"][0]["body"])
    body["order"]["customer"]["receiveNewsletters"] = True
    event["Records"][0]["body"] = json.dumps(body)
    handler = deploy("order_status")

    assert handler.invoke(event) == {"batchItemFailures": []}

    creates = engage_sandbox.requests("POST", "/api/v3/contacts")
    assert creates
    assert all("preferences" not in request["body"] for request in creates)


def test_a_flag_turning_on_after_the_opt_out_is_written(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    engage_sandbox.seed_contact("contact", email=EMAIL, preferences={"acceptsEmail": True})
    handler = deploy("contact_upsert", contact_sync="none")

    handler.invoke(sqs_event([customer(receiveNewsletters=False)]))  # an opt-out from Centra always goes through
    assert newsletter_contacts(engage_sandbox)[0]["preferences"] == {"acceptsEmail": False}
    handler.invoke(sqs_event([customer(receiveNewsletters=True)]))  # then the person subscribes again in the shop

    assert accepts_email_writes(engage_sandbox) == [False, True]
    assert newsletter_contacts(engage_sandbox)[0]["preferences"] == {"acceptsEmail": True}


def test_a_first_sign_up_with_nothing_in_engage_becomes_a_subscribed_contact(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    handler = deploy("contact_upsert")

    handler.invoke(sqs_event([subscription()]))
    handler.invoke(sqs_event([subscription(isActive=False)]))
    handler.invoke(sqs_event([subscription()]))  # a replay of the first sign-up, older than the opt-out

    assert accepts_email_writes(engage_sandbox) == [True, False]
    assert newsletter_contacts(engage_sandbox)[0]["preferences"] == {"acceptsEmail": False}
