"""Reconciliation against the real pipeline: drop effects on purpose, find exactly those, and --fix them."""

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from engage_bridge.messages import IngestEvent
from engage_bridge.state import DynamoStateStore, Effect
from engage_bridge_tools.cli import build_parser
from engage_bridge_tools.reconcile import command
from tests.integration.reconcile.conftest import Pipeline

pytestmark = pytest.mark.integration

WINDOW = ["--since", "2026-01-01", "--until", "2026-04-01"]
ORDERS = (1001, 1002, 1003, 1004, 1005)
CUSTOMERS = (1, 2, 3, 4)


def reconcile_cli(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[int, dict[str, Any], str]:
    monkeypatch.setenv("CENTRA_TOKEN", pipeline.centra.token)
    report_file = pipeline.config_file.parent / "report.json"
    args = build_parser().parse_args(
        [
            "reconcile",
            *WINDOW,
            "--config", str(pipeline.config_file),
            "--table", "state",
            "--centra-url", pipeline.centra.graphql_url,
            "--ingest-queue-url", pipeline.queues["ingest"],
            "--json", str(report_file),
            *extra,
        ]
    )  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    status = command.run(args, out, err, session=boto3.session.Session())
    assert err.getvalue() == ""
    return status, json.loads(report_file.read_text(encoding="utf-8")), out.getvalue()


def verdicts(report: dict[str, Any], state: str) -> set[tuple[str, str, str]]:
    return {
        (found["object"], effect["effect"], effect["reason"])
        for found in report["objects"]
        for effect in found["effects"]
        if effect["state"] == state
    }


def synced(pipeline: Pipeline, lose: Callable[[dict[str, Any]], bool] = lambda _: False) -> None:
    """Every order and customer of the shop through router and handlers, as live events would bring them."""
    events = [IngestEvent(source="events", object_type="order", object_id=n, centra_event_id=n) for n in ORDERS]
    events += [IngestEvent(source="events", object_type="customer", object_id=c, centra_event_id=c) for c in CUSTOMERS]
    pipeline.ingest(events)
    pipeline.run(lose)


LOST_KEYS = {
    "order:1001:email:shipped:shipment:2",
    "order:1001:receipt:return:return:1",
    "order:1002:email:created:pending",
}


def lost_on_the_way(message: dict[str, Any]) -> bool:
    """Three order effects, and every contact write for customer 2, never reach their handler."""
    customer = message.get("customer") or {}
    return message["business_key"] in LOST_KEYS or customer.get("id") == 2


def test_a_synced_shop_reconciles_clean_except_what_engage_refused(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced(pipeline)

    status, report, table = reconcile_cli(pipeline, monkeypatch)

    assert verdicts(report, "missing") == set()
    # The expired promotion: Engage refused it, the handler recorded why, and that is drift.
    assert {(obj, effect) for obj, effect, _ in verdicts(report, "failed")} == {
        ("order:1001", "redemption:expired-promo-1")
    }
    assert status == 1
    assert report["summary"]["drifted_objects"] == 1
    sent = verdicts(report, "sent")
    assert ("order:1001", "email:shipped:shipment:2", "order_shipped") in sent
    assert ("order:1001", "receipt:return:return:1", "return_receipt_accepted") in sent
    assert {obj for obj, effect, _ in sent if effect == "contact"} == {f"customer:{c}" for c in CUSTOMERS}
    # Wholesale never reaches Engage: reported as skipped by routing, with the rule that skipped it.
    assert ("order:1004", "order", "restricted_store_type") in verdicts(report, "skipped")
    assert "order:1001" in table and "redemption:expired-promo-1" in table


def test_lost_effects_are_found_exactly_and_fix_closes_the_gap(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced(pipeline, lose=lost_on_the_way)
    emails_before = len(pipeline.engage.requests("POST", "/api/v2/orders"))
    assert emails_before > 0

    status, report, _ = reconcile_cli(pipeline, monkeypatch, "--fix")

    found = {(obj, effect) for obj, effect, _ in verdicts(report, "missing")}
    assert found == {
        ("order:1001", "email:shipped:shipment:2"),
        # Not lost, but waiting: a return's e-mail never goes before its shipment's (engage_bridge.sequence).
        ("order:1001", "email:returned:return:1"),
        ("order:1001", "receipt:return:return:1"),
        ("order:1002", "email:created:pending"),
        ("customer:2", "contact"),
    }
    assert sorted(report["fix"]["enqueued"]) == ["customer:2", "order:1001", "order:1002"]
    assert report["fix"]["failed_not_retried"] == 1
    assert status == 1  # the refused promotion remains: --fix does not retry failed effects

    pipeline.run()
    status, report, _ = reconcile_cli(pipeline, monkeypatch)

    assert verdicts(report, "missing") == set()
    assert report["summary"]["drifted_objects"] == 1  # only the refused promotion
    # The fix sent the two lost e-mails and the return e-mail that waited for one, and nothing that had gone out.
    assert len(pipeline.engage.requests("POST", "/api/v2/orders")) == emails_before + 3


def test_effects_a_backfill_suppressed_are_skipped_with_their_reason(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced(pipeline)
    store = DynamoStateStore(pipeline.dynamodb, "state")
    pipeline.delete_ledger_row("order#1005", "email:created:pending")
    store.record(Effect("order#1005", "email:created:pending"), "skipped", "historical")  # as backfill records it

    _, report, _ = reconcile_cli(pipeline, monkeypatch)

    assert ("order:1005", "email:created:pending", "historical") in verdicts(report, "skipped")
    assert not any(obj == "order:1005" for obj, _, _ in verdicts(report, "missing"))


def test_bad_input_exits_2_and_names_what_is_wrong(pipeline: Pipeline, tmp_path: Path) -> None:
    parser = build_parser()
    err = io.StringIO()
    backwards = parser.parse_args(["reconcile", "--since", "2026-04-01", "--until", "2026-01-01"])
    assert command.run(backwards, io.StringIO(), err, session=boto3.session.Session()) == 2
    assert "--since must be before --until" in err.getvalue()

    err = io.StringIO()
    no_table = parser.parse_args(["reconcile", "--since", "2026-01-01", "--config", str(pipeline.config_file)])
    assert command.run(no_table, io.StringIO(), err, session=boto3.session.Session()) == 2
    assert "--centra-url" in err.getvalue()
