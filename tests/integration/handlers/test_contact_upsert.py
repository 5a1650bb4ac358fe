"""Contact upsert end to end: create with everything, update only what changed, never blank a field."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from engage_bridge_tools.local.aws_calls import AwsCallCounter
from engage_bridge_tools.sandbox import EngageSandbox
from tests.integration.handlers.conftest import DeployedHandler, load_event
from tests.lambda_support import sqs_event

pytestmark = pytest.mark.integration

Deploy = Callable[..., DeployedHandler]


def customer(**fields: Any) -> str:
    base = {
        "id": 77,
        "email": "anna@example.com",
        "firstName": "Anna",
        "lastName": "",
        "registered": True,
        "billingAddress": {"city": "Malmö", "zipCode": "21120", "country": {"name": "Sweden", "code": "SE"}},
    }
    return json.dumps({"kind": "customer", "customer": {**base, **fields}})


def test_sample_customer_and_subscriber_become_member_and_contact(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    handler = deploy("contact_upsert")

    response = handler.invoke(load_event("contact_upsert"))

    assert response == {"batchItemFailures": []}
    (member,) = engage_sandbox.contacts_with_email("member@example.com")
    (subscriber,) = engage_sandbox.contacts_with_email("newsletter-only@example.com")
    assert member["meta"]["contactType"] == "member"
    assert subscriber["meta"]["contactType"] == "contact"
    assert subscriber["preferences"] == {"acceptsEmail": True}
    assert subscriber["meta"]["storeExternalId"] == "Sweden"


def test_updates_send_only_changed_fields_and_never_blank_one(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    engage_sandbox.seed_contact("member", email="anna@example.com", firstName="Ann", lastName="Berg", city="Malmö")
    handler = deploy("contact_upsert", customer_updates=True)

    handler.invoke(sqs_event([customer()]))

    (patch,) = engage_sandbox.requests("PATCH", "/api/v3/contacts/")
    assert patch["body"] == {"firstName": "Anna", "zipCode": "21120", "countryCode": "SE"}
    (member,) = engage_sandbox.contacts_with_email("anna@example.com")
    assert member["attributes"]["lastName"] == "Berg"


def test_member_fields_stay_untouched_with_customer_updates_off(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    engage_sandbox.seed_contact("member", email="anna@example.com", firstName="Ann")
    handler = deploy("contact_upsert", customer_updates=False)

    handler.invoke(sqs_event([customer()]))

    assert engage_sandbox.requests("PATCH") == []


def test_an_unsubscribe_reaches_the_newsletter_contact(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    engage_sandbox.seed_contact("contact", email="anna@example.com", preferences={"acceptsEmail": True})
    handler = deploy("contact_upsert", customer_updates=False)

    handler.invoke(sqs_event([customer(newsletter=False)]))

    (contact,) = [
        c for c in engage_sandbox.contacts_with_email("anna@example.com") if c["meta"]["contactType"] == "contact"
    ]
    assert contact["preferences"] == {"acceptsEmail": False}


def test_no_newsletter_contact_is_made_for_someone_who_never_subscribed(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    handler = deploy("contact_upsert")

    handler.invoke(sqs_event([customer(newsletter=False)]))

    types = {c["meta"]["contactType"] for c in engage_sandbox.contacts_with_email("anna@example.com")}
    assert types == {"member"}


def test_a_guest_is_not_made_a_member_under_registered_sync(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    handler = deploy("contact_upsert", contact_sync="registered")

    response = handler.invoke(sqs_event([customer(registered=False), customer(id=78, email="b@example.com")]))

    assert response == {"batchItemFailures": []}
    assert engage_sandbox.contacts_with_email("anna@example.com") == []
    assert len(engage_sandbox.contacts_with_email("b@example.com")) == 1


def test_the_same_customer_twice_is_one_write(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    handler = deploy("contact_upsert")

    handler.invoke(sqs_event([customer(), customer()]))

    assert len(engage_sandbox.requests("POST", "/api/v3/contacts")) == 1


def _writes(calls: AwsCallCounter) -> dict[str, int]:
    """The state table writes by record kind, the Engage budget's leases left out (one per Engage request)."""
    return {
        record: count
        for record, count in calls.dynamodb_by_record().items()
        if record.split()[0] in {"PutItem", "UpdateItem", "DeleteItem"} and not record.endswith("engage-budget")
    }


def test_a_new_member_is_claimed_and_recorded_on_its_ledger_row_alone(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    handler = deploy("contact_upsert")
    calls = AwsCallCounter()
    calls.install()
    try:
        handler.invoke(sqs_event([customer(newsletter=False)]))
        first = _writes(calls)
        calls.reset()
        copy = sqs_event([customer(newsletter=False)])
        copy["Records"][0]["messageId"] = "routed-again"  # the router sent the same content twice
        handler.invoke(copy)
        duplicate = calls.dynamodb_by_record()
    finally:
        calls.uninstall()

    # No Powertools record: the ledger row is claimed (one update) and recorded (one update); the contact's
    # creation claim is its cache row; the consent record takes the opt-out and Centra's flag in one write.
    assert first == {
        "UpdateItem effect": 2,
        "UpdateItem contact": 1,
        "PutItem contact": 1,
        "PutItem customer": 1,
        "UpdateItem consent": 1,
    }
    assert duplicate == {"GetItem effect": 1}  # answered by the claim's read, before any Engage request
    assert len(engage_sandbox.requests("POST", "/api/v3/contacts")) == 1


def test_a_copy_arriving_while_the_first_is_written_waits_and_then_finds_it_done(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    from engage_bridge.consumer import IDEMPOTENCY_SECONDS
    from engage_bridge.messages import ContactUpsert
    from engage_bridge.state import LedgerClaims

    handler = deploy("contact_upsert")
    claim = ContactUpsert.model_validate_json(customer()).ledger_claim
    assert claim is not None
    claims = LedgerClaims(handler.dynamodb, "state")
    first_copy = claims.claim(claim.effect, "first-copy", 60, claim.version, window=IDEMPOTENCY_SECONDS)
    assert first_copy == "claimed"  # the first copy is writing

    held = handler.invoke(sqs_event([customer()]))

    assert held == {"batchItemFailures": [{"itemIdentifier": "m0"}]}  # retried later, nothing written to Engage
    assert engage_sandbox.requests("POST", "/api/v3/contacts") == []
    claims.release(claim.effect, "first-copy")  # the first copy failed: the retry takes the write over
    assert handler.invoke(sqs_event([customer()])) == {"batchItemFailures": []}
    assert len(engage_sandbox.requests("POST", "/api/v3/contacts")) == 1


def test_a_customer_changed_back_is_not_a_duplicate_of_a_new_content_but_an_old_copy_is(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    engage_sandbox.seed_contact("member", email="anna@example.com", firstName="Ann")
    handler = deploy("contact_upsert", customer_updates=True)

    handler.invoke(sqs_event([customer(firstName="Anna")]))
    handler.invoke(sqs_event([customer(firstName="Annie")]))
    handler.invoke(sqs_event([customer(firstName="Anna")]))  # a late copy of the first content: not applied again

    (member,) = engage_sandbox.contacts_with_email("anna@example.com")
    assert member["attributes"]["firstName"] == "Annie"
    assert [p["body"].get("firstName") for p in engage_sandbox.requests("PATCH", "/api/v3/contacts/")] == [
        "Anna",
        "Annie",
    ]


def test_a_customer_changed_back_after_the_idempotency_window_is_written_again(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    from engage_bridge.consumer import IDEMPOTENCY_SECONDS
    from engage_bridge.messages import ContactUpsert

    engage_sandbox.seed_contact("member", email="anna@example.com", firstName="Ann")
    handler = deploy("contact_upsert", customer_updates=True)
    handler.invoke(sqs_event([customer(firstName="Anna")]))
    handler.invoke(sqs_event([customer(firstName="Annie")]))
    claim = ContactUpsert.model_validate_json(customer()).ledger_claim
    assert claim is not None
    key = {"pk": {"S": f"effect#{claim.effect.subject}"}, "sk": {"S": claim.effect.name}}
    row = handler.dynamodb.get_item(TableName="state", Key=key)["Item"]
    aged = {v: {"N": str(int(t["N"]) - IDEMPOTENCY_SECONDS - 1)} for v, t in row["versions"]["M"].items()}
    handler.dynamodb.put_item(TableName="state", Item={**row, "versions": {"M": aged}})  # both written a day ago

    assert handler.invoke(sqs_event([customer(firstName="Anna")])) == {"batchItemFailures": []}

    (member,) = engage_sandbox.contacts_with_email("anna@example.com")
    assert member["attributes"]["firstName"] == "Anna"  # Engage would have kept "Annie" for good


def test_a_new_subscribed_member_looks_each_address_up_once(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    # A first-seen yes is judged against every Engage record of the address, then the member and the newsletter
    # contact are written: each contact type is looked up once in the message (it was two and three times).
    handler = deploy("contact_upsert")

    assert handler.invoke(sqs_event([customer(newsletter=True)])) == {"batchItemFailures": []}

    lookups = engage_sandbox.requests("GET", "/api/v3/contacts/id")
    assert len(lookups) == 2
    assert {c["meta"]["contactType"] for c in engage_sandbox.contacts_with_email("anna@example.com")} == {
        "member",
        "contact",
    }


def test_a_contact_gone_from_engage_is_looked_up_again_within_the_message(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    from engage_bridge.state import DynamoStateStore

    handler = deploy("contact_upsert", customer_updates=True)
    handler.invoke(sqs_event([customer(firstName="Anna")]))
    (member,) = engage_sandbox.contacts_with_email("anna@example.com")
    DynamoStateStore(handler.dynamodb, "state").cache_contact_id("anna@example.com", "member", "deleted-in-engage")
    handler.dynamodb.delete_item(TableName="state", Key={"pk": {"S": "customer#77"}, "sk": {"S": "engage_contact"}})

    assert handler.invoke(sqs_event([customer(firstName="Annie")])) == {"batchItemFailures": []}

    (still,) = engage_sandbox.contacts_with_email("anna@example.com")  # found again by e-mail, not created twice
    assert still["id"] == member["id"] and still["attributes"]["firstName"] == "Annie"
