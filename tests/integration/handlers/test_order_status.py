"""Order e-mails end to end: SQS event → handler → Engage sandbox over loopback, AWS in moto."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from engage_bridge_tools.sandbox import EngageSandbox
from tests.integration.handlers.conftest import DeployedHandler, load_event, records
from tests.lambda_support import emitted_metrics

pytestmark = pytest.mark.integration

Deploy = Callable[..., DeployedHandler]


def automations(sandbox: EngageSandbox) -> dict[tuple[str, str], int]:
    return {(a["orderNumber"], a["orderStatus"]): a["count"] for a in sandbox.state()["automation_counts"]}


def test_every_sample_e_mail_is_triggered_once(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    handler = deploy("order_status")
    handler.history_sent(load_event("order_status"))  # the confirmations these samples follow went out

    response = handler.invoke(load_event("order_status"))

    assert response == {"batchItemFailures": []}
    assert automations(engage_sandbox) == {
        ("2348981", "ORDER_CREATED"): 1,
        ("2348955", "ORDER_SHIPPED"): 1,
        ("2348855", "ORDER_RETURNED"): 1,
    }


def test_every_engage_call_is_measured_for_the_dashboard(
    deploy: Deploy, engage_sandbox: EngageSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = deploy("order_status")
    handler.history_sent(load_event("order_status"))  # the confirmations these samples follow went out

    handler.invoke(load_event("order_status"))

    out = capsys.readouterr().out
    latencies = [dims for name, dims in emitted_metrics(out) if name == "EngageLatency"]
    assert latencies == [{"environment": "test"}]  # one blob per invocation, the stack's one dimension
    assert '"service"' not in out  # the function is its log group's: neither a dimension nor a property
    assert len(engage_sandbox.requests()) >= 3


def test_a_customer_engage_does_not_know_gets_a_contact_before_the_e_mail(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    handler = deploy("order_status")
    handler.history_sent(load_event("order_status"))  # the confirmations these samples follow went out

    handler.invoke(records(load_event("order_status"), 0))

    (contact,) = engage_sandbox.contacts_with_email("xxxx@mail.io")
    assert contact["meta"]["contactType"] in {"member", "transactionalContact"}


def test_the_same_message_delivered_twice_sends_one_e_mail(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    handler = deploy("order_status")
    handler.history_sent(load_event("order_status"))  # the confirmations these samples follow went out
    event = load_event("order_status")

    handler.invoke(event)
    handler.invoke(event)

    assert set(automations(engage_sandbox).values()) == {1}


def test_a_second_shipment_of_the_same_order_is_its_own_e_mail(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    handler = deploy("order_status")
    handler.history_sent(load_event("order_status"))  # the confirmations these samples follow went out
    event = load_event("order_status")
    second = json.loads(event["Records"][1]["body"])
    order = second["order"]
    order["shipments"].append({**order["shipments"][0], "id": 3102, "number": "2348955-2"})
    second["shipment_id"] = 3102
    split = {"Records": [event["Records"][1], {**event["Records"][1], "messageId": "m2", "body": json.dumps(second)}]}

    handler.invoke(split)
    handler.invoke(split)

    assert automations(engage_sandbox) == {("2348955", "ORDER_SHIPPED"): 2}


def test_only_the_failing_record_is_reported_and_succeeds_when_redelivered(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    handler = deploy("order_status")
    handler.history_sent(load_event("order_status"))  # the confirmations these samples follow went out
    event = load_event("order_status")
    # The first order's one attempt meets a 503 (an answered failure: nothing was triggered); its retry waits in
    # the queue on Voyado's cadence, not in the function.
    engage_sandbox.script_fault("status", method="POST", path="/api/v2/orders", times=1, status=503)

    first = handler.invoke(event)
    redelivered = handler.invoke(records(event, 0))

    assert first == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert redelivered == {"batchItemFailures": []}
    assert set(automations(engage_sandbox).values()) == {1}
    assert handler.dead_letters() == []


def test_a_timeout_after_engage_applied_the_order_is_never_resent(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    handler = deploy("order_status", engage={**_engage(engage_sandbox), "timeouts": {"default": 0.3}})
    handler.history_sent(load_event("order_status"))  # the confirmations these samples follow went out
    engage_sandbox.script_fault("timeout_after_effect", method="POST", path="/api/v2/orders", seconds=1.0)
    event = records(load_event("order_status"), 0)

    first = handler.invoke(event)
    again = handler.invoke(event)

    assert first == again == {"batchItemFailures": []}
    assert automations(engage_sandbox) == {("2348981", "ORDER_CREATED"): 1}


def test_a_contact_create_answered_too_late_keeps_its_claim_for_the_same_message_only(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    """Engage created the contact but the client timed out: the creation claim stays, held by this SQS message,
    whose redelivery finds the contact; nothing is created twice (decision log 2026-12-08)."""
    handler = deploy("order_status", engage={**_engage(engage_sandbox), "timeouts": {"create_contact": 0.3}})
    handler.history_sent(load_event("order_status"))  # the confirmations these samples follow went out
    engage_sandbox.script_fault("timeout_after_effect", method="POST", path="/api/v3/contacts", seconds=1.0)
    event = records(load_event("order_status"), 0)
    message_id = event["Records"][0]["messageId"]

    first = handler.invoke(event)

    assert first == {"batchItemFailures": [{"itemIdentifier": message_id}]}
    (claim,) = contact_rows(handler)
    assert claim["creating_by"] == {"S": message_id}
    assert "contact_id" not in claim
    assert handler.invoke(event) == {"batchItemFailures": []}
    ((contact,), (cached,)) = engage_sandbox.contacts_with_email("xxxx@mail.io"), contact_rows(handler)
    assert cached["contact_id"] == {"S": contact["id"]}
    assert "creating_by" not in cached  # the cached id ended the claim
    assert engage_sandbox.state()["duplicate_creates"] == []
    assert automations(engage_sandbox) == {("2348981", "ORDER_CREATED"): 1}


def contact_rows(handler: DeployedHandler) -> list[dict[str, Any]]:
    """The state table's contact cache rows (and creation claims)."""
    scanned = handler.dynamodb.scan(
        TableName="state",
        FilterExpression="begins_with(pk, :contact)",
        ExpressionAttributeValues={":contact": {"S": "contact#"}},
    )
    rows: list[dict[str, Any]] = scanned["Items"]
    return rows


def test_a_tag_the_tenant_lacks_goes_to_the_dlq_with_engages_reasons(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    handler = deploy("order_status")
    handler.history_sent(load_event("order_status"))  # the confirmations these samples follow went out
    engage_sandbox.set_tenant(order_statuses=[])
    event = records(load_event("order_status"), 0)

    response = handler.invoke(event)

    assert response == {"batchItemFailures": []}  # removed from the source queue, not retried five times
    ((body, attributes),) = handler.dead_letters()
    assert body == json.loads(event["Records"][0]["body"])
    assert attributes["reason"] == "engage_validation"
    assert attributes["business_key"] == "order:2348981:email:created:success"
    assert "InvalidOrderStatus" in attributes["validation_errors"]


def test_a_redriven_message_is_sent_once_the_tenant_is_fixed(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    handler = deploy("order_status")
    handler.history_sent(load_event("order_status"))  # the confirmations these samples follow went out
    engage_sandbox.set_tenant(order_statuses=[])
    event = records(load_event("order_status"), 0)
    handler.invoke(event)
    engage_sandbox.set_tenant(order_statuses=["ORDER_CREATED", "ORDER_SHIPPED", "ORDER_CANCELLED", "ORDER_RETURNED"])

    handler.invoke(event)

    assert automations(engage_sandbox) == {("2348981", "ORDER_CREATED"): 1}


def test_an_order_without_e_mail_is_dead_lettered_naming_the_field(deploy: Deploy) -> None:
    handler = deploy("order_status")
    handler.history_sent(load_event("order_status"))  # the confirmations these samples follow went out
    event = records(load_event("order_status"), 0)
    message = json.loads(event["Records"][0]["body"])
    message["order"]["customer"]["email"] = None
    message["order"]["billingAddress"]["email"] = None
    event["Records"][0] = {**event["Records"][0], "body": json.dumps(message)}

    handler.invoke(event)

    ((_, attributes),) = handler.dead_letters()
    assert attributes["reason"] == "mapping_error"
    assert "2348981" in attributes["detail"] and "email" in attributes["detail"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda m: m.update(historical=True), "historical"),
        (lambda m: m["order"]["store"].update(type="WHOLESALE"), "restricted_store_type"),
    ],
)
def test_backfill_and_wholesale_orders_send_nothing(
    deploy: Deploy,
    engage_sandbox: EngageSandbox,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[dict[str, Any]], None],
    reason: str,
) -> None:
    handler = deploy("order_status")
    handler.history_sent(load_event("order_status"))  # the confirmations these samples follow went out
    event = records(load_event("order_status"), 0)
    message = json.loads(event["Records"][0]["body"])
    change(message)
    event["Records"][0] = {**event["Records"][0], "body": json.dumps(message)}

    handler.invoke(event)

    assert automations(engage_sandbox) == {}
    counted = [(name, dims.get("reason")) for name, dims in emitted_metrics(capsys.readouterr().out)]
    assert ("Skipped", reason) in counted


def test_logs_hold_no_e_mail_address_or_api_key(
    deploy: Deploy, engage_sandbox: EngageSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = deploy("order_status")
    handler.history_sent(load_event("order_status"))  # the confirmations these samples follow went out
    engage_sandbox.set_tenant(order_statuses=[])  # failures log the most

    handler.invoke(load_event("order_status"))

    logs = capsys.readouterr().out + capsys.readouterr().err
    for secret in ("xxxx@mail.io", "ingridSE0609@nj.io", "noretfreight@nj.io", engage_sandbox.api_key, "+467062241729"):
        assert secret not in logs


def _engage(sandbox: EngageSandbox) -> dict[str, Any]:
    return {"base_url": sandbox.base_url, "api_key_secret": "centra-engage-bridge/test/engage-api-key"}


def test_each_e_mail_names_its_language_and_the_contact_by_id(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    handler = deploy("order_status")
    handler.history_sent(load_event("order_status"))  # the confirmations these samples follow went out

    handler.invoke(records(load_event("order_status"), 1))  # the Swedish shipping confirmation

    (sent,) = [entry["body"] for entry in engage_sandbox.requests("POST", "/api/v2/orders")]
    (contact,) = engage_sandbox.contacts_with_email("ingridSE0609@nj.io")
    assert sent["language"] == "sv-SE"
    assert sent["contact"] == {"matchKey": contact["id"], "matchKeyType": "contactId"}


SWEDISH_CUSTOMER = "ingridSE0609@nj.io"  # record 1: a guest (transactional contact under the example's sync mode)


def test_a_contact_the_site_is_creating_meanwhile_ends_as_one_contact(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    handler = deploy("order_status")
    handler.history_sent(load_event("order_status"))  # the confirmations these samples follow went out
    event = load_event("order_status")
    # Still being created whatever the first invocation's pace (a timed window failed on a loaded CI machine).
    engage_sandbox.create_elsewhere("transactionalContact", seconds=600.0, email=SWEDISH_CUSTOMER)

    first = handler.invoke(records(event, 1, 0))  # 409 ContactWithKeyIsBeingCreated: retried later
    engage_sandbox.create_elsewhere("transactionalContact", seconds=0.0, email=SWEDISH_CUSTOMER)  # the site is done
    retried = handler.invoke(records(event, 1))

    assert first == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert retried == {"batchItemFailures": []}
    (contact,) = engage_sandbox.contacts_with_email(SWEDISH_CUSTOMER)
    (sent,) = [
        e["body"] for e in engage_sandbox.requests("POST", "/api/v2/orders") if e["body"]["orderNumber"] == "2348955"
    ]
    assert sent["contact"] == {"matchKey": contact["id"], "matchKeyType": "contactId"}
    assert handler.dead_letters() == []


@pytest.mark.parametrize("answer", ["conflict", "existing_id"])
def test_a_create_for_a_key_that_exists_uses_the_existing_contact(
    deploy: Deploy, engage_sandbox: EngageSandbox, answer: str
) -> None:
    existing = engage_sandbox.seed_contact("transactionalContact", email=SWEDISH_CUSTOMER)
    if answer == "existing_id":
        engage_sandbox.set_tenant(existing_key_answer="existing_id")
    handler = deploy("order_status")
    handler.history_sent(load_event("order_status"))  # the confirmations these samples follow went out
    # The lookup misses it (made meanwhile, or not yet visible), so the bridge creates and Engage says it exists.
    engage_sandbox.script_fault("status", method="GET", path="/api/v3/contacts/id", status=404)

    response = handler.invoke(records(load_event("order_status"), 1))

    assert response == {"batchItemFailures": []}
    assert len(engage_sandbox.requests("POST", "/api/v3/contacts")) == 1  # the create Engage answered "exists"
    (contact,) = engage_sandbox.contacts_with_email(SWEDISH_CUSTOMER)
    assert contact["id"] == existing
    (sent,) = [entry["body"] for entry in engage_sandbox.requests("POST", "/api/v2/orders")]
    assert sent["contact"]["matchKey"] == existing
