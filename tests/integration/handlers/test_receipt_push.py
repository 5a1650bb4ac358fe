"""Receipts end to end: members only, once per uniqueReceiptId, seed 001's bodies."""

import json
from collections.abc import Callable

import pytest

from engage_bridge_tools.sandbox import EngageSandbox
from tests.integration.handlers.conftest import DeployedHandler, load_event, records
from tests.lambda_support import emitted_metrics

pytestmark = pytest.mark.integration

Deploy = Callable[..., DeployedHandler]


def test_purchase_and_return_receipts_reach_engage_for_a_member(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    handler = deploy("receipt_push")

    response = handler.invoke(load_event("receipt_push"))

    assert response == {"batchItemFailures": []}
    receipts = engage_sandbox.state()["receipts"]
    assert sorted(receipts) == ["189-1", "189-1-10"]
    (member,) = engage_sandbox.contacts_with_email("member@example.com")
    assert member["meta"]["contactType"] == "member"
    assert receipts["189-1"]["contact"] == {"matchKey": member["id"], "matchKeyType": "contactId"}
    assert receipts["189-1-10"]["totalGrossPrice"] == "-2.00"


def test_a_redelivered_receipt_is_not_posted_again(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    handler = deploy("receipt_push")
    event = load_event("receipt_push")

    handler.invoke(event)
    handler.invoke(event)

    assert len(engage_sandbox.requests("POST", "/api/v3/receipts")) == 2
    assert engage_sandbox.state()["duplicate_receipts"] == []


def test_a_receipt_leaves_one_ledger_row_and_no_idempotency_record(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    handler = deploy("receipt_push")

    handler.invoke(load_event("receipt_push"))

    keys = {item["pk"]["S"].split("#")[0] for item in handler.dynamodb.scan(TableName="state")["Items"]}
    assert "effect" in keys and "idempotency" not in keys
    rows = handler.dynamodb.scan(
        TableName="state", FilterExpression="begins_with(pk, :p)", ExpressionAttributeValues={":p": {"S": "effect#"}}
    )["Items"]
    assert rows and all("claim_id" not in row and row["state"]["S"] == "sent" for row in rows)


def test_a_receipt_whose_ledger_write_was_lost_is_posted_again_and_engage_ignores_the_repeat(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    handler = deploy("receipt_push")
    event = records(load_event("receipt_push"), 0)
    handler.invoke(event)
    # The invocation died after Engage accepted and before the ledger row was written: as if it never was.
    for row in handler.dynamodb.scan(TableName="state")["Items"]:
        if row["pk"]["S"].startswith("effect#"):
            handler.dynamodb.delete_item(TableName="state", Key={"pk": row["pk"], "sk": row["sk"]})

    response = handler.invoke(event)  # SQS delivers the message again

    assert response == {"batchItemFailures": []}
    assert len(engage_sandbox.requests("POST", "/api/v3/receipts")) == 2
    assert sorted(engage_sandbox.state()["receipts"]) == ["189-1"]  # one sale in Engage: the repeat is ignored


def test_a_guest_under_registered_sync_gets_no_receipt(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    handler = deploy("receipt_push", contact_sync="registered")
    event = records(load_event("receipt_push"), 0)
    message = json.loads(event["Records"][0]["body"])
    message["order"]["customer"]["registered"] = False
    event["Records"][0] = {**event["Records"][0], "body": json.dumps(message)}

    response = handler.invoke(event)

    assert response == {"batchItemFailures": []}
    assert engage_sandbox.state()["receipts"] == {}
    assert engage_sandbox.contacts_with_email("member@example.com") == []


def test_an_existing_member_is_found_not_duplicated(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    existing = engage_sandbox.seed_contact("member", email="member@example.com", firstName="Kept")
    handler = deploy("receipt_push")

    handler.invoke(load_event("receipt_push"))

    (member,) = engage_sandbox.contacts_with_email("member@example.com")
    assert member["id"] == existing
    assert member["attributes"]["firstName"] == "Kept"  # creation never overwrites what Engage holds


@pytest.mark.parametrize(
    ("phone", "stored"),
    [("+467062241729", None), ("070-123 45 67", "+46701234567")],  # seed 001's invalid one; a national form
)
def test_a_member_with_a_phone_engage_would_refuse_still_gets_the_receipt(
    deploy: Deploy, engage_sandbox: EngageSandbox, phone: str, stored: str | None
) -> None:
    handler = deploy("receipt_push")
    event = records(load_event("receipt_push"), 0)
    message = json.loads(event["Records"][0]["body"])
    message["order"]["customer"]["phoneNumber"] = phone
    event["Records"][0] = {**event["Records"][0], "body": json.dumps(message)}

    response = handler.invoke(event)

    assert response == {"batchItemFailures": []}
    assert handler.dead_letters() == []
    assert sorted(engage_sandbox.state()["receipts"]) == ["189-1"]
    (member,) = engage_sandbox.contacts_with_email("member@example.com")
    assert member["attributes"].get("mobilePhone") == stored


def test_a_receipt_is_one_ledger_write_and_its_copy_none(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    """Engage ignores a repeated uniqueReceiptId, so the row is looked at, not claimed: the entry after the send is
    the receipt's one write; a copy that comes after it is answered by the look."""
    from engage_bridge_tools.local.aws_calls import AwsCallCounter

    handler = deploy("receipt_push")
    event = records(load_event("receipt_push"), 0)
    counter = AwsCallCounter()
    counter.install()
    try:
        handler.invoke(event)
        first = counter.dynamodb_effect_writes()
        counter.reset()
        handler.invoke(event)  # a copy: SQS again, or the router routing the receipt twice
        copy = counter.dynamodb_effect_writes()
    finally:
        counter.uninstall()

    assert first == {"PutItem receipt:purchase entry": 1}
    assert copy == {}
    assert len(engage_sandbox.requests("POST", "/api/v3/receipts")) == 1


def test_a_copy_the_look_misses_posts_again_and_engage_and_the_ledger_keep_one(
    deploy: Deploy,
    engage_sandbox: EngageSandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A copy in flight while the first is sent (or a stale look) is not stopped by a claim any more: it posts the
    receipt again, Engage ignores the repeated uniqueReceiptId, and its entry cannot replace the sent one."""
    from engage_bridge.state import LedgerClaims

    handler = deploy("receipt_push")
    event = records(load_event("receipt_push"), 0)
    handler.invoke(event)
    (row,) = [r for r in handler.dynamodb.scan(TableName="state")["Items"] if r["pk"]["S"].startswith("effect#")]
    monkeypatch.setattr(LedgerClaims, "_look", lambda self, effect: {})  # the copy's look saw nothing yet
    capsys.readouterr()

    assert handler.invoke(event) == {"batchItemFailures": []}

    assert len(engage_sandbox.requests("POST", "/api/v3/receipts")) == 2
    assert sorted(engage_sandbox.state()["receipts"]) == ["189-1"]
    assert engage_sandbox.state()["duplicate_receipts"] == ["189-1"]  # Engage's integration log: ignored
    counted = [(name, dims.get("reason")) for name, dims in emitted_metrics(capsys.readouterr().out)]
    assert counted.count(("Skipped", "duplicate")) == 1 and ("Sent", "purchase_receipt_accepted") not in counted
    (again,) = [r for r in handler.dynamodb.scan(TableName="state")["Items"] if r["pk"]["S"].startswith("effect#")]
    assert again["state"]["S"] == "sent" and again["at"] == row["at"]  # the first entry stands


def test_a_receipt_another_message_holds_a_claim_on_waits(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    """A claim taken by a claiming copy (the code before this one, during a deploy) is respected: retried, not sent."""
    from engage_bridge.messages import ReceiptPush
    from engage_bridge.state import LedgerClaims

    handler = deploy("receipt_push")
    event = records(load_event("receipt_push"), 0)
    effect = ReceiptPush.model_validate_json(event["Records"][0]["body"]).ledger_effect
    LedgerClaims(handler.dynamodb, "state").claim(effect, "a-claiming-copy", 60)

    response = handler.invoke(event)

    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert engage_sandbox.requests("POST", "/api/v3/receipts") == []
