"""Receipts Engage accepted but never imported reach the reconciliation report (the strict sandbox imports later)."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from engage_bridge.engage import EngageClient
from engage_bridge.reconcile import check_receipt_imports
from engage_bridge.reconcile.expected import ObjectRef, ReceiptProbe
from engage_bridge.reconcile.report import DriftReport, EffectStatus, ObjectReport, Window, summarise
from engage_bridge.state import DynamoStateStore, Effect
from engage_bridge_tools.sandbox import EngageSandbox
from tests.aws import create_state_table

pytestmark = pytest.mark.integration

SEED001 = Path(__file__).resolve().parents[2] / "golden" / "seed001"
MEMBER = "member@example.com"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
IMPORTED, LOST, RECENT = "receipt:purchase:shipment:1", "receipt:purchase:shipment:2", "receipt:return:return:9"


@pytest.fixture
def ledger() -> Iterator[DynamoStateStore]:
    with mock_aws():
        client = boto3.client("dynamodb")
        create_state_table(client)
        yield DynamoStateStore(client, "state", clock=NOW.timestamp)


def _receipt(receipt_id: str, contact_id: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((SEED001 / "purchase_receipt.json").read_text(encoding="utf-8"))
    body.update(uniqueReceiptId=receipt_id, receiptNumber=receipt_id)
    body["contact"] = {"matchKey": contact_id, "matchKeyType": "contactId"}
    return body


def _report(accepted_at: dict[str, datetime]) -> DriftReport:
    owner = ObjectRef("order", "189", None)
    effects = [
        EffectStatus(
            effect=name, state="sent", reason="purchase_receipt_accepted", at=at.isoformat(), decided_by="ledger"
        )
        for name, at in accepted_at.items()
    ]
    objects = [ObjectReport(object=owner.key, kind="order", id="189", effects=effects)]
    window = Window(since=NOW - timedelta(days=1), until=NOW)
    return DriftReport(generated_at=NOW, window=window, summary=summarise(objects, 0), objects=objects)


def test_a_receipt_engage_could_not_import_is_reported_and_an_imported_one_confirmed(
    engage_sandbox: EngageSandbox, engage_client: EngageClient, ledger: DynamoStateStore
) -> None:
    member = engage_sandbox.seed_contact("member", email=MEMBER)
    engage_client.post_receipt(_receipt("189-1", member))  # 202, imported on the next interval
    engage_client.post_receipt(_receipt("189-2", "5b7a8e3c-0000-4000-8000-00000000dead"))  # 202; contact unknown
    engage_sandbox.import_receipts()
    assert [entry for entry in engage_sandbox.integration_log() if "189-2" in json.dumps(entry)]  # only Engage saw it
    for name in (IMPORTED, LOST, RECENT):
        ledger.record(Effect("order#189", name), "sent", "purchase_receipt_accepted")
    probe = ReceiptProbe(
        ObjectRef("order", "189", None), MEMBER, "member", {IMPORTED: "189-1", LOST: "189-2", RECENT: "189-1-9"}
    )
    long_ago = NOW - timedelta(hours=3)

    report = check_receipt_imports(
        _report({IMPORTED: long_ago, LOST: long_ago, RECENT: NOW - timedelta(minutes=5)}),
        [probe],
        engage_client,
        ledger,
        now=lambda: NOW,
    )

    verdicts = {(e.effect, e.state, e.reason, e.decided_by) for e in report.objects[0].effects}
    assert verdicts == {
        (IMPORTED, "sent", "purchase_receipt_imported", "ledger"),
        (LOST, "missing", "not_imported", "engage"),
        (RECENT, "sent", "purchase_receipt_accepted", "ledger"),  # within Engage's import interval: not judged
    }
    assert report.receipt_imports is not None
    assert (report.receipt_imports.imported, report.receipt_imports.pending) == (1, 1)
    assert report.receipt_imports.not_imported == ["order:189 189-2"]
    assert report.summary.drifted_objects == 1
    entry = ledger.ledger_entry(Effect("order#189", IMPORTED))
    assert entry is not None and (entry.state, entry.reason) == ("sent", "purchase_receipt_imported")
    lost = ledger.ledger_entry(Effect("order#189", LOST))
    assert lost is not None and lost.reason == "purchase_receipt_accepted"  # the ledger says what the bridge knows
