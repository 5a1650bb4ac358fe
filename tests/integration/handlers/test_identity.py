"""One contact per person, end to end on the Engage sandbox: an e-mail change keeps one member and its history."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from engage_bridge_tools.sandbox import EngageSandbox
from tests.integration.handlers.conftest import DeployedHandler, load_event, records
from tests.lambda_support import sqs_event

pytestmark = pytest.mark.integration

Deploy = Callable[..., DeployedHandler]
CUSTOMER_ID = 1042  # the sample receipt's customer (events/receipt_push.json)


def customer(email: str, customer_id: int = CUSTOMER_ID) -> str:
    fields: dict[str, Any] = {"id": customer_id, "email": email, "firstName": "Maja", "registered": True}
    return json.dumps({"kind": "customer", "customer": fields})


def members(sandbox: EngageSandbox) -> list[dict[str, Any]]:
    return [c for c in sandbox.state()["contacts"].values() if c["contactType"] == "member"]


def test_an_e_mail_change_leaves_one_member_with_the_whole_history(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    contacts, receipts = deploy("contact_upsert"), deploy("receipt_push")
    contacts.invoke(sqs_event([customer("member@example.com")]))
    receipts.invoke(records(load_event("receipt_push"), 0))  # a purchase under the old address

    contacts.invoke(sqs_event([customer("maja.new@example.com")]))
    receipts.invoke(records(load_event("receipt_push"), 1))  # its return, an order placed under the old address

    (member,) = members(engage_sandbox)
    assert member["fields"]["email"] == "maja.new@example.com"
    assert engage_sandbox.contacts_with_email("member@example.com") == []
    held_by = {r["contact"]["matchKey"] for r in engage_sandbox.state()["receipts"].values()}
    assert held_by == {member["id"]}
    assert engage_sandbox.state().get("duplicate_creates", []) == []


def test_a_new_address_another_contact_holds_is_dead_lettered_and_nothing_merged(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    handler = deploy("contact_upsert")
    handler.invoke(sqs_event([customer("member@example.com"), customer("taken@example.com", customer_id=2001)]))

    handler.invoke(sqs_event([customer("taken@example.com"), customer("other@example.com", customer_id=2002)]))

    ((_, attributes),) = handler.dead_letters()
    assert attributes["reason"] == "email_change_conflict"
    assert "taken@example.com" not in attributes["detail"]
    emails = sorted(m["fields"]["email"] for m in members(engage_sandbox))
    assert emails == ["member@example.com", "other@example.com", "taken@example.com"]
