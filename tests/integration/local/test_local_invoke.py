"""``engage-bridge local invoke``: every ``events/`` file through its function, without Docker, on its main path."""

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from engage_bridge_tools.local import invoke
from engage_bridge_tools.local.commands import EXAMPLE_CONFIG, brand_config
from engage_bridge_tools.local.session import LocalSession, local_session
from engage_bridge_tools.local.template import REPO

pytestmark = pytest.mark.integration

EVENTS = sorted((REPO / "events").glob("*.json"))


def _requests(*wanted: str) -> Callable[[invoke.Invocation, LocalSession], None]:
    def check(outcome: invoke.Invocation, session: LocalSession) -> None:
        for request in wanted:
            assert any(made.startswith(request) for made in outcome.engage_requests), (request, outcome)

    return check


def _queued(*queues: str) -> Callable[[invoke.Invocation, LocalSession], None]:
    def check(outcome: invoke.Invocation, session: LocalSession) -> None:
        assert set(queues) <= set(outcome.queued), outcome.queued

    return check


def _promotion_redeemed(outcome: invoke.Invocation, session: LocalSession) -> None:
    assert session.sandbox is not None
    assert session.sandbox.state()["promotions"]["8d2b7a3e-5c1f-4e0a-9b6d-2f4c8e1a7b90"]["redeemed"] is True


def _webhook_accepted(outcome: invoke.Invocation, session: LocalSession) -> None:
    assert outcome.result["statusCode"] == 200, outcome.result
    assert outcome.queued == {"IngestQueue": 2}


def _events_moved(outcome: invoke.Invocation, session: LocalSession) -> None:
    assert outcome.result["fetched"] > 0 and outcome.result["queued"] == outcome.result["fetched"], outcome.result
    assert outcome.queued["IngestQueue"] == outcome.result["queued"]


def _preference_webhook_queued(outcome: invoke.Invocation, session: LocalSession) -> None:
    assert outcome.result["statusCode"] == 200, outcome.result
    assert outcome.queued == {"ConsentQueue": 1}


def _changes_read(outcome: invoke.Invocation, session: LocalSession) -> None:
    assert any(made.startswith("GET /api/v3/contacts/changes") for made in outcome.engage_requests), outcome
    assert outcome.result["queued"] == outcome.queued.get("ConsentQueue", 0), outcome


def _reconciled(outcome: invoke.Invocation, session: LocalSession) -> None:
    assert outcome.result["objects"] > 0, outcome.result  # the window holds sample-shop orders


def _doctor_checked(outcome: invoke.Invocation, session: LocalSession) -> None:
    # Against the local fake and sandbox every check that can be judged passes, and the Engage side was read
    assert outcome.result["failed"] == [] and outcome.result["passed"] > 0, outcome.result
    assert any(made.startswith("GET /api/v3/contacts/id") for made in outcome.engage_requests), outcome


def _feeds_written(outcome: invoke.Invocation, session: LocalSession) -> None:
    assert outcome.result["rebuilt"] is True, outcome.result
    assert sorted(f["locale"] for f in outcome.result["files"]) == ["de-DE", "en-GB", "sv-SE"], outcome.result
    assert any(f["items"] > 0 for f in outcome.result["files"]), outcome.result  # the sample shop's displays


def _feed_served(outcome: invoke.Invocation, session: LocalSession) -> None:
    # product_feed (sorted before this sample, same session) wrote the feed the sample asks for
    assert outcome.result["statusCode"] == 200, outcome.result
    assert outcome.result["body"].startswith("<?xml"), outcome.result


# What each sample's main path does, by event file; every file in events/ must be listed.
MAIN_PATHS: dict[str, Callable[[invoke.Invocation, LocalSession], None]] = {
    "back_in_stock_subscription": _requests("POST /api/v3/inventory/backinstock/subscriptions"),
    "backfill": _queued("BackfillQueue"),  # the run started and queued its first page
    "centra_events": _events_moved,
    "centra_webhook": _webhook_accepted,
    "doctor": _doctor_checked,
    "contact_upsert": _requests("POST /api/v3/contacts"),
    "engage_changes": _changes_read,
    "engage_consent": _requests("GET /api/v3/contacts/"),  # re-read, never trusted from the message
    "engage_webhook": _preference_webhook_queued,
    "order_status": _requests("POST /api/v2/orders"),
    "product_feed": _feeds_written,
    "product_feed_serve": _feed_served,
    "promotion_redemption": _promotion_redeemed,
    "receipt_push": _requests("POST /api/v3/receipts"),
    "reconcile": _reconciled,
    "router": _queued("OrderStatusQueue", "ReceiptPushQueue", "ContactUpsertQueue", "StockRelayQueue"),
    "stock_relay": _requests("PUT /api/v2/inventory/stock-levels/batch"),
}


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSession]:
    log = tmp_path_factory.mktemp("invoke") / "functions.log"
    with local_session(invoke.invoke_options(brand_config(EXAMPLE_CONFIG), log)) as running:
        yield running


def test_every_events_file_has_a_main_path_check() -> None:
    assert {path.stem for path in EVENTS} == set(MAIN_PATHS)


@pytest.mark.parametrize("event_file", EVENTS, ids=[path.stem for path in EVENTS])
def test_each_sample_event_runs_its_functions_main_path(session: LocalSession, event_file: Path) -> None:
    event = invoke.read_event(event_file)
    outcome = invoke.invoke(session, event_file.stem, event)

    assert outcome.error is None, outcome.error
    if isinstance(outcome.result, dict) and "batchItemFailures" in outcome.result:
        assert outcome.result["batchItemFailures"] == _waiting_for_a_predecessor(event_file.stem, event)
    MAIN_PATHS[event_file.stem](outcome, session)


def _waiting_for_a_predecessor(name: str, event: dict[str, Any]) -> list[dict[str, str]]:
    """The sample's shipping and return e-mails follow confirmations no sample sent (engage_bridge.sequence): on a
    fresh stack they are returned to the queue, to go out once their predecessor has."""
    if name != "order_status":
        return []
    waiting = [r for r in event["Records"] if json.loads(r["body"])["status"] in {"shipped", "returned"}]
    assert waiting, "the order_status sample holds a shipping or return e-mail"
    return [{"itemIdentifier": record["messageId"]} for record in waiting]
