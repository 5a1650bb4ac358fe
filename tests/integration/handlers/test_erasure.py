"""Erasure end to end on the Engage sandbox: report (the default) touches nothing; delete soft-deletes the member."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from engage_bridge.reconcile.compare import reported_erasures
from engage_bridge.state import DynamoStateStore, Effect
from engage_bridge_tools.sandbox import EngageSandbox
from tests.integration.handlers.conftest import DeployedHandler
from tests.lambda_support import sqs_event

pytestmark = pytest.mark.integration

Deploy = Callable[..., DeployedHandler]
ERASURE = Effect("customer#77", "erasure")


def customer() -> str:
    fields = {"id": 77, "email": "anna@example.com", "firstName": "Anna", "registered": True}
    return json.dumps({"kind": "customer", "customer": fields})


def erasure(customer_id: int = 77) -> str:
    return json.dumps({"kind": "erasure", "customer": {"id": customer_id}})


def test_report_records_the_erasure_and_leaves_engage_alone(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    handler = deploy("contact_upsert")
    handler.invoke(sqs_event([customer()]))

    assert handler.invoke(sqs_event([erasure()])) == {"batchItemFailures": []}

    assert engage_sandbox.requests("DELETE") == []
    assert len(engage_sandbox.contacts_with_email("anna@example.com")) == 1
    store = DynamoStateStore(handler.dynamodb, "state")
    entry = store.ledger_entry(ERASURE)
    assert entry is not None and (entry.state, entry.reason) == ("skipped", "erasure_reported")
    window = (datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) + timedelta(minutes=1))
    (listed,) = reported_erasures(store, *window)  # what reconciliation's report lists
    assert listed.customer == "customer:77"
    assert reported_erasures(store, window[0] - timedelta(days=1), window[0]) == []


def test_delete_soft_deletes_the_linked_member_once(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    handler = deploy("contact_upsert", erasure={"action": "delete"})
    handler.invoke(sqs_event([customer()]))
    (member,) = engage_sandbox.contacts_with_email("anna@example.com")

    handler.invoke(sqs_event([erasure()]))
    handler.invoke(sqs_event([erasure()]))  # the webhook's copy of the same deletion

    (deleted,) = engage_sandbox.requests("DELETE")
    assert deleted["path"] == f"/api/v3/contacts/{member['id']}"
    assert engage_sandbox.contacts_with_email("anna@example.com") == []
    assert list(engage_sandbox.state()["deleted_contacts"]) == [member["id"]]
    entry = DynamoStateStore(handler.dynamodb, "state").ledger_entry(ERASURE)
    assert entry is not None and (entry.state, entry.reason) == ("sent", "contact_deleted")


def test_a_customer_never_synced_has_nothing_to_erase(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    handler = deploy("contact_upsert", erasure={"action": "delete"})

    assert handler.invoke(sqs_event([erasure(5150)])) == {"batchItemFailures": []}

    assert engage_sandbox.requests("DELETE") == []
    entry = DynamoStateStore(handler.dynamodb, "state").ledger_entry(Effect("customer#5150", "erasure"))
    assert entry is not None and entry.reason == "erasure_no_linked_contact"
