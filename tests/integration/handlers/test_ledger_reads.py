"""The ledger reads of one order effect: its claim's look, and the row it follows (``sequence``); nothing more.

A strongly consistent read is a read unit, an eventually consistent one half (``bench.aws_cost``). The claim's
write refuses a sent row and returns the entry it took over, so no effect reads its own row again; a predecessor
is read eventually consistent, and strongly only when that read does not see it settled.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from engage_bridge_tools.local.aws_calls import AwsCallCounter
from engage_bridge_tools.sandbox import EngageSandbox
from tests.integration.handlers.conftest import DeployedHandler, load_event, records
from tests.integration.handlers.test_promotion_redemption import redemption
from tests.lambda_support import sqs_event

pytestmark = pytest.mark.integration

Deploy = Callable[..., DeployedHandler]
CREATED, SHIPPED, RETURNED = 0, 1, 2  # the records of events/order_status.json


@pytest.fixture
def calls() -> Iterator[AwsCallCounter]:
    counter = AwsCallCounter()
    counter.install()
    try:
        yield counter
    finally:
        counter.uninstall()


def ledger_reads(calls: AwsCallCounter) -> dict[str, int]:
    """The effect rows read since the last reset: in all, and how many of them strongly consistent."""
    total = calls.dynamodb_by_record().get("GetItem effect", 0)
    return {"reads": total, "strong": total - calls.dynamodb_eventual_reads().get("GetItem effect", 0)}


def invoke(handler: DeployedHandler, calls: AwsCallCounter, event: dict[str, Any]) -> dict[str, Any]:
    calls.reset()
    return handler.invoke(event)


def test_an_order_e_mail_reads_its_row_once_and_its_predecessor_once_at_half_a_unit(
    deploy: Deploy, engage_sandbox: EngageSandbox, calls: AwsCallCounter
) -> None:
    handler = deploy("order_status")
    event = load_event("order_status")
    handler.history_sent(event)  # the confirmation and the shipment's e-mail these samples follow went out

    per_message = {}
    for index in (CREATED, SHIPPED, RETURNED):
        assert invoke(handler, calls, records(event, index)) == {"batchItemFailures": []}
        per_message[index] = ledger_reads(calls)

    assert per_message == {
        CREATED: {"reads": 1, "strong": 0},  # the claim's look
        SHIPPED: {"reads": 2, "strong": 0},  # the look, and the confirmation seen sent
        RETURNED: {"reads": 2, "strong": 0},  # the look, and the shipment's e-mail seen sent
    }
    assert len(engage_sandbox.requests("POST", "/api/v2/orders")) == 3


def test_a_duplicate_e_mail_is_answered_by_the_claims_look_alone(
    deploy: Deploy, engage_sandbox: EngageSandbox, calls: AwsCallCounter
) -> None:
    handler = deploy("order_status")
    event = load_event("order_status")
    handler.history_sent(event)
    handler.invoke(records(event, SHIPPED))

    copy = records(event, SHIPPED)
    copy["Records"][0]["messageId"] = "routed-again"
    assert invoke(handler, calls, copy) == {"batchItemFailures": []}

    assert calls.dynamodb_by_record() == {"GetItem effect": 1}
    assert len(engage_sandbox.requests("POST", "/api/v2/orders")) == 1


def test_an_e_mail_whose_predecessor_is_not_settled_reads_it_strongly_and_waits(
    deploy: Deploy, engage_sandbox: EngageSandbox, calls: AwsCallCounter
) -> None:
    handler = deploy("order_status")
    event = load_event("order_status")  # nothing recorded: the shipment's e-mail has not gone out

    response = invoke(handler, calls, records(event, RETURNED))

    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][RETURNED]["messageId"]}]}
    assert ledger_reads(calls) == {"reads": 3, "strong": 1}  # look; predecessor eventually, then strongly
    assert engage_sandbox.requests("POST", "/api/v2/orders") == []
    assert handler.dead_letters() == []


def test_a_receipt_reads_its_row_once_and_a_return_its_purchase_receipt_once(
    deploy: Deploy, engage_sandbox: EngageSandbox, calls: AwsCallCounter
) -> None:
    handler = deploy("receipt_push")
    event = load_event("receipt_push")

    assert invoke(handler, calls, records(event, 0)) == {"batchItemFailures": []}
    purchase = ledger_reads(calls)
    assert invoke(handler, calls, records(event, 1)) == {"batchItemFailures": []}
    refund = ledger_reads(calls)

    assert purchase == {"reads": 1, "strong": 0}
    assert refund == {"reads": 2, "strong": 0}
    assert len(engage_sandbox.requests("POST", "/api/v3/receipts")) == 2


def test_a_redemption_reads_its_row_only_through_its_claim(
    deploy: Deploy, engage_sandbox: EngageSandbox, calls: AwsCallCounter
) -> None:
    assignment = engage_sandbox.seed_promotion()
    handler = deploy("promotion_redemption")

    assert invoke(handler, calls, sqs_event([redemption(assignment)])) == {"batchItemFailures": []}
    first = ledger_reads(calls)
    assert invoke(handler, calls, sqs_event([redemption(assignment)])) == {"batchItemFailures": []}
    again = calls.dynamodb_by_record()

    assert first == {"reads": 1, "strong": 0}  # the look; the entry the claim took over came with its write
    assert again == {"GetItem effect": 1}
    assert len(engage_sandbox.requests("POST", f"/api/v3/promotion-assignments/{assignment}/redeem")) == 1
