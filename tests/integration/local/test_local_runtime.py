"""The local runtime end to end: template triggers drive the real handlers against moto, the fake and the sandbox."""

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from engage_bridge.route_marks import WEBHOOK_DELAY_SECONDS
from engage_bridge_tools.demo.runner import run_demo
from engage_bridge_tools.demo.scenario import DEMO_CONFIG_PATH
from engage_bridge_tools.local.session import SessionOptions, local_session

pytestmark = pytest.mark.integration

CONFIG = json.loads(DEMO_CONFIG_PATH.read_text(encoding="utf-8"))


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        time.sleep(0.05)


def test_a_schedule_fires_its_function_on_its_interval(tmp_path: Path) -> None:
    # rate(1 minute) scaled by 1/120: every half second.
    options = SessionOptions(config=CONFIG, log_path=tmp_path / "log", time_scale=1 / 120, pollers=False)
    with local_session(options) as session:
        poller = session.runtime.pools["CentraEventsFunction"]

        wait_for(lambda: poller.stats.invocations >= 3)

        assert poller.stats.errors == 0


def test_a_centra_webhook_reaches_the_ingest_queue_through_the_http_route(tmp_path: Path) -> None:
    options = SessionOptions(config=CONFIG, log_path=tmp_path / "log", pollers=False, schedules=False)
    with local_session(options) as session:
        assert session.centra is not None
        session.centra.ship_order(1002)  # the fake signs and posts its webhook to the runtime's route

        deliveries = session.centra.webhook_deliveries()
        ingest = session.runtime.stack.queues["IngestQueue"]
        events: list[dict[str, Any]] = []

        def both_arrived() -> bool:
            # Held back WEBHOOK_DELAY_SECONDS, so the read a webhook starts covers the poller's report
            # (route_marks); a receive may return as soon as the first of them is visible.
            received = boto3.client("sqs").receive_message(
                QueueUrl=ingest, MaxNumberOfMessages=10, WaitTimeSeconds=WEBHOOK_DELAY_SECONDS + 1
            )
            events.extend(json.loads(message["Body"]) for message in received.get("Messages", []))
            return {(e["source"], e["object_type"]) for e in events} >= {("webhook", "shipment"), ("webhook", "order")}

        wait_for(both_arrived)

    assert deliveries and all(delivery.status == 200 for delivery in deliveries)


def test_a_refused_webhook_gets_a_4xx_and_enqueues_nothing(tmp_path: Path) -> None:
    options = SessionOptions(config=CONFIG, log_path=tmp_path / "log", pollers=False, schedules=False)
    with local_session(options) as session:
        answer = httpx.post(
            session.runtime.route_url("/centra/webhook"),
            content=b"payload=%7B%22events%22%3A%5B%5D%7D",
            headers={"content-type": "application/x-www-form-urlencoded", "x-centra-signature": "t=1,v1=00"},
        )
        depth = session.runtime.queue_depths()["IngestQueue"]

    assert 400 <= answer.status_code < 500
    assert depth == 0


def test_an_unknown_route_is_a_404_as_api_gateway_answers(tmp_path: Path) -> None:
    options = SessionOptions(config=CONFIG, log_path=tmp_path / "log", pollers=False, schedules=False)
    with local_session(options) as session:
        answer = httpx.post(session.runtime.route_url("/nope"), content=b"{}")

    assert answer.status_code == 404


def test_a_small_generated_shop_leaves_engage_exactly_as_the_shop_implies(tmp_path: Path) -> None:
    summary: dict[str, Any] = run_demo(20, 3, tmp_path / "functions.log")

    assert summary["differences"] == []
    assert summary["dead_letters_by_reason"] == {}
    engage = summary["engage_out"]
    assert engage["emails"]["ORDER_CREATED"]  # confirmations went out ...
    assert engage["receipts"]["purchase"] > 0 and engage["back_in_stock"]["notifications"] > 0  # ... and the rest
    assert summary["run"]["engage_peak_per_second"] <= summary["run"]["engage_budget_per_second"]
    consent = summary["consent"]  # issue 17, each also a difference when broken
    assert consent["opted_out_never_subscribed"]["ok"] and consent["opted_out_never_subscribed"]["contact_writes"] > 0
    assert consent["one_member_after_email_change"] == {
        "ok": True,
        "members": 1,
        "contacts_at_old_address": 0,
        "receipts_on_member": 2,  # the purchase before the change, the return after it
        "violations": [],
    }
    webhook = consent["preference_webhook_landed"]
    assert consent["webhook_encrypted"] is True and webhook["ok"] and webhook["centra_updates"] == 1
