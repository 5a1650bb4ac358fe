"""Backfill end to end: a generated history in the Centra fake, moto for AWS, the Engage sandbox over loopback."""

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from engage_bridge.backfill.commands import StartBackfill
from engage_bridge.backfill.run import BackfillLocked, BackfillWindow
from engage_bridge.backfill.step import start_backfill
from engage_bridge.centra.client import CentraClient
from engage_bridge.config import parse_config
from engage_bridge.consent import DynamoConsentStore
from engage_bridge.engage import EngageClient, RetryPolicy
from engage_bridge.state import Effect
from engage_bridge_tools.backfill.history import generated_history
from engage_bridge_tools.backfill.local import LocalBackfill
from engage_bridge_tools.centra_fake.fake import CentraFake
from engage_bridge_tools.centra_fake.server import RunningCentraFake
from engage_bridge_tools.sandbox import EngageSandbox
from tests.aws import create_state_table
from tests.integration.handlers.conftest import EXAMPLE_CONFIG

pytestmark = pytest.mark.integration

CUSTOMERS = 7
WINDOW = BackfillWindow(
    since=datetime.fromisoformat("2025-01-01T00:00:00+00:00"), until=datetime.fromisoformat("2026-01-01T00:00:00+00:00")
)


@pytest.fixture
def backfill(engage_sandbox: EngageSandbox) -> Iterator[LocalBackfill]:
    config_document = json.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    config_document["engage"]["base_url"] = engage_sandbox.base_url
    config = parse_config(json.dumps(config_document))
    fake = CentraFake.from_document(generated_history(CUSTOMERS))
    retry = RetryPolicy(base_delay=0.001, max_delay=0.01)
    with mock_aws(), RunningCentraFake(fake) as server:
        dynamodb, sqs = boto3.client("dynamodb"), boto3.client("sqs")
        create_state_table(dynamodb)
        with (
            CentraClient(server.graphql_url, next(iter(fake.tokens))) as centra,
            EngageClient(engage_sandbox.base_url, engage_sandbox.api_key, requests_per_second=None, retry=retry) as a,
            EngageClient(engage_sandbox.base_url, engage_sandbox.api_key, requests_per_second=None, retry=retry) as b,
        ):
            # Pages of three: several steps per kind, and a short last page.
            yield LocalBackfill(config, centra, a, b, sqs, dynamodb, page_size=3)


def _start(backfill: LocalBackfill) -> None:
    backfill.commands.send(StartBackfill.of(WINDOW))


def _members(sandbox: EngageSandbox) -> dict[str, int]:
    emails: dict[str, int] = {}
    for contact in sandbox.state()["contacts"].values():
        if contact["contactType"] == "member":
            email = contact["fields"]["email"]
            emails[email] = emails.get(email, 0) + 1
    return emails


def _receipts(sandbox: EngageSandbox) -> list[dict[str, Any]]:
    return list(sandbox.state()["receipts"].values())


def test_every_customer_and_receipt_arrives_with_no_email_and_no_redemption(
    backfill: LocalBackfill, engage_sandbox: EngageSandbox
) -> None:
    _start(backfill)
    backfill.drain_commands()
    backfill.drain_receipts()

    state = engage_sandbox.state()
    assert _members(engage_sandbox) == {f"history.{i}@example.com": 1 for i in range(CUSTOMERS)}
    # Two shipments and one return per order: two purchase receipts and one return receipt each.
    assert len(_receipts(engage_sandbox)) == 3 * CUSTOMERS
    assert state["automations"] == [] and state["orders"] == []
    assert not [r for r in state["requests"] if "/redeem" in r["path"]]
    assert [r["path"] for r in state["requests"] if r["path"].endswith("/contacts")] == []  # no single creates
    run = backfill.runs.load()
    assert run is not None and run[0].state == "synchronised"
    assert run[0].counts["customers"]["contacts_created"] >= CUSTOMERS
    assert run[0].counts["orders"]["receipts_queued"] == 3 * CUSTOMERS
    assert run[0].counts["orders"]["suppressed_historical"] > 0


def test_suppressed_emails_and_redemptions_are_in_the_ledger_as_skipped_historical(backfill: LocalBackfill) -> None:
    _start(backfill)
    backfill.drain_commands()

    number = 100_000
    for name in ("email:created:success", "email:shipped:shipment:1000001", f"redemption:promo-{number}"):
        entry = backfill.ledger.ledger_entry(Effect(f"order#{number}", name))
        assert entry is not None, name
        assert (entry.state, entry.reason) == ("skipped", "historical"), name


def test_a_second_start_is_refused_while_the_lock_is_held(backfill: LocalBackfill) -> None:
    start_backfill(backfill.runs, backfill.commands, StartBackfill.of(WINDOW), backfill.clock())

    with pytest.raises(BackfillLocked):
        start_backfill(backfill.runs, backfill.commands, StartBackfill.of(WINDOW), backfill.clock())
    _start(backfill)  # the same refusal through the queue: counted, not an error
    backfill.drain_commands(limit=1)  # works the first step
    backfill.drain_commands(limit=1)  # the queued start
    assert any(outcome.reason == "backfill_locked" for outcome in backfill.outcomes)


class _CrashOnce:
    """Receipt queue that fails its first send: a step dies after writing contacts, before its commit."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.crashed = inner, False

    def send(self, route: Any, messages: Any) -> None:
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("function died mid-page")
        self.inner.send(route, messages)


def test_a_step_that_dies_mid_page_is_worked_again_after_its_lease_without_duplicates(
    backfill: LocalBackfill, engage_sandbox: EngageSandbox
) -> None:
    crashing = _CrashOnce(backfill.services.handlers)
    object.__setattr__(backfill.services, "handlers", crashing)
    _start(backfill)
    backfill.drain_commands()
    assert crashing.crashed and backfill.errors

    backfill.drain_commands()  # redelivered at once: the dead step still holds its lease
    assert type(backfill.errors[-1]).__name__ == "StepBusy"
    now = backfill.clock()
    backfill.clock = lambda: now + 1000  # past the lease: the redelivered step is worked again
    backfill.drain_commands()
    backfill.drain_receipts()

    assert _members(engage_sandbox) == {f"history.{i}@example.com": 1 for i in range(CUSTOMERS)}
    assert len(_receipts(engage_sandbox)) == 3 * CUSTOMERS
    assert engage_sandbox.state()["duplicate_receipts"] == []
    run = backfill.runs.load()
    assert run is not None and run[0].state == "synchronised"


def test_a_stopped_run_is_resumed_by_a_second_start_after_its_lock_expires(
    backfill: LocalBackfill, engage_sandbox: EngageSandbox
) -> None:
    _start(backfill)
    backfill.drain_commands(limit=3)  # the start and two pages, then the function "stops"
    stopped = backfill.runs.load()
    assert stopped is not None
    pages_done, old_run = stopped[0].step, stopped[0].run_id
    backfill.sqs.purge_queue(QueueUrl=backfill.backfill_queue)  # the chain is lost (e.g. its message expired)

    with pytest.raises(BackfillLocked):
        start_backfill(backfill.runs, backfill.commands, StartBackfill.of(WINDOW), backfill.clock())
    later = backfill.clock() + 3601
    backfill.clock = lambda: later
    resumed, was_resumed = start_backfill(backfill.runs, backfill.commands, StartBackfill.of(WINDOW), backfill.clock())
    backfill.drain_commands()
    backfill.drain_receipts()

    assert was_resumed and resumed.run_id != old_run and resumed.step == pages_done
    assert _members(engage_sandbox) == {f"history.{i}@example.com": 1 for i in range(CUSTOMERS)}
    assert len(_receipts(engage_sandbox)) == 3 * CUSTOMERS
    finished = backfill.runs.load()
    assert finished is not None and finished[0].state == "synchronised"
    assert finished[0].counts["customers"]["read"] == CUSTOMERS  # no page read twice


def test_bulk_status_is_followed_to_the_end_and_failed_rows_are_counted_listed_and_not_recorded_as_sent(
    backfill: LocalBackfill, engage_sandbox: EngageSandbox
) -> None:
    engage_sandbox.set_tenant(contact_types=["Member", "member", "transactionalContact"])  # no newsletter type
    engage_sandbox.app.state.bulk_status_reads_before_done = 2
    waits: list[float] = []
    backfill.sleep = waits.append
    _start(backfill)
    backfill.drain_commands()

    state = engage_sandbox.state()
    batches = set(state["bulk_batches"])
    reads = [r for r in state["requests"] if r["path"].endswith("/bulk/status")]
    assert len(reads) == 3 * len(batches)  # two "Processing" answers, then the final status, for every batch
    assert waits[:2] == [0.5, 1.0]  # backing off between reads

    run = backfill.runs.load()
    assert run is not None and run[0].state == "synchronised"
    counts = run[0].counts["customers"]
    subscribers = (CUSTOMERS + 1) // 2  # every second customer opted in; their newsletter rows fail
    assert counts["contacts_failed"] == subscribers
    assert {f.reason for f in run[0].failures} == {"InvalidContactType"}
    assert backfill.ledger.ledger_entry(Effect("customer#10000", "contact")) is None
    assert backfill.ledger.ledger_entry(Effect("customer#10001", "contact")) is not None


def test_a_subscriber_whose_member_opted_out_in_engage_or_whose_opt_out_is_known_gets_no_newsletter_yes(
    backfill: LocalBackfill, engage_sandbox: EngageSandbox
) -> None:
    # Every second customer's newsletter flag is true in Centra. history.0 unsubscribed in Engage (its member says
    # no, Centra never heard); history.2's opt-out is already kept in the state table (a preference webhook).
    engage_sandbox.seed_contact("member", email="history.0@example.com", preferences={"acceptsEmail": False})
    consent = DynamoConsentStore(backfill.dynamodb, backfill.table)
    consent.record_opt_out("history.2@example.com", 1.0, "engage_webhook")
    _start(backfill)
    backfill.drain_commands()

    newsletter = backfill.config.contact_types.newsletter
    yes_sent = {  # every bulk create or update row carrying a yes, whatever Engage made of it
        str(body.get("email"))
        for request in engage_sandbox.requests()
        if request["path"].startswith("/api/v3/contacts/bulk")
        for body in (request["body"] if isinstance(request["body"], list) else [])
        if (body.get("preferences") or {}).get("acceptsEmail") is True
    }
    yes = {
        c["fields"]["email"]
        for c in engage_sandbox.state()["contacts"].values()
        if c["contactType"] == newsletter and (c["fields"].get("preferences") or {}).get("acceptsEmail") is True
    }
    assert yes == {f"history.{i}@example.com" for i in range(4, CUSTOMERS, 2)}
    assert yes_sent == yes
    assert consent.consent("history.0@example.com").opt_out_source == "engage_contact"  # the live path knows it too
    run = backfill.runs.load()
    assert run is not None and run[0].counts["customers"]["contacts_consent_held"] == 2
