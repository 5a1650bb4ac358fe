"""Lifecycle order per order, end to end: an e-mail or receipt that arrives before its predecessor waits."""

from collections.abc import Callable

import pytest

from engage_bridge_tools.sandbox import EngageSandbox
from tests.integration.handlers.conftest import DeployedHandler, load_event, records

pytestmark = pytest.mark.integration

Deploy = Callable[..., DeployedHandler]


def receipt_ids_in_arrival_order(sandbox: EngageSandbox) -> list[str]:
    posted = [r for r in sandbox.requests("POST") if "receipts" in str(r.get("path")) and 200 <= int(r["status"]) < 300]
    return [str(r["body"]["uniqueReceiptId"]) for r in posted]


def test_a_return_receipt_before_its_purchase_receipt_waits_for_it(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    handler = deploy("receipt_push")
    return_first = records(load_event("receipt_push"), 1, 0)  # reordered: the return receipt is delivered first

    response = handler.invoke(return_first)
    assert response == {"batchItemFailures": [{"itemIdentifier": return_first["Records"][0]["messageId"]}]}
    assert handler.dead_letters() == []

    assert handler.invoke(records(return_first, 0)) == {"batchItemFailures": []}  # SQS delivers it again
    assert receipt_ids_in_arrival_order(engage_sandbox) == ["189-1", "189-1-10"]


def test_a_shipping_e_mail_before_the_confirmation_waits_for_it(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    handler = deploy("order_status")
    shipped = records(load_event("order_status"), 1)

    # The batch's only record waits: returned to the queue, and not a function error.
    assert handler.invoke(shipped) == {"batchItemFailures": [{"itemIdentifier": shipped["Records"][0]["messageId"]}]}
    assert handler.dead_letters() == []
    assert engage_sandbox.state()["orders"] == []

    handler.history_sent(shipped)  # the confirmation went out meanwhile
    assert handler.invoke(shipped) == {"batchItemFailures": []}
    assert [body["orderStatus"] for body in engage_sandbox.state()["orders"]] == ["ORDER_SHIPPED"]
