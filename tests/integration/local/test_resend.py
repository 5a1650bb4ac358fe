"""``engage-bridge resend`` against a stack in moto that has synchronised the sample shop: refusal, force, audit."""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from engage_bridge.state import DynamoStateStore, Effect
from engage_bridge_tools.cli import main
from engage_bridge_tools.local.announce import announce_shop
from engage_bridge_tools.local.commands import EXAMPLE_CONFIG, brand_config
from engage_bridge_tools.local.provision import STACK_NAME
from engage_bridge_tools.local.session import LocalSession, SessionOptions, local_session

pytestmark = pytest.mark.integration

SHIPPED_1 = ["order-email", "--stack", STACK_NAME, "--order", "1001", "--status", "shipped", "--shipment", "1"]


@pytest.fixture(scope="module")
def synchronised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSession]:
    log = tmp_path_factory.mktemp("resend") / "functions.log"
    with local_session(SessionOptions(config=brand_config(EXAMPLE_CONFIG), log_path=log)) as session:
        session.runtime.run_until_idle(300)  # the poller registers its listeners
        assert session.centra is not None
        announce_shop(session.centra)
        session.runtime.run_until_idle(300)
        yield session


def shipped_emails(session: LocalSession, number: str) -> int:
    assert session.sandbox is not None
    return sum(
        1
        for request in session.sandbox.state()["requests"]
        if request["path"] == "/api/v2/orders"
        and request["body"]["orderNumber"] == number
        and request["body"]["orderStatus"] == "ORDER_SHIPPED"
    )


def resend_rows(number: int) -> list[dict[str, Any]]:
    table = boto3.client("cloudformation").describe_stack_resource(
        StackName=STACK_NAME, LogicalResourceId="StateTable"
    )["StackResourceDetail"]["PhysicalResourceId"]
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    store = DynamoStateStore(boto3.client("dynamodb"), table)
    return [
        {"sk": item["sk"]["S"], **(store.resend_row(Effect(f"order#{number}", item["sk"]["S"])) or {})}
        for item in items
        if item["pk"]["S"] == f"effect#order#{number}" and item["sk"]["S"].startswith("resend#")
    ]


def test_an_email_the_ledger_says_was_sent_is_refused_without_force(
    synchronised: LocalSession, capsys: pytest.CaptureFixture[str]
) -> None:
    before = shipped_emails(synchronised, "1001")

    code = main(["resend", *SHIPPED_1])
    synchronised.runtime.run_until_idle(120)

    err = capsys.readouterr().err
    assert code == 1
    assert "refused: the ledger says order#1001 email:shipped:shipment:1 was sent" in err
    assert shipped_emails(synchronised, "1001") == before == 2  # one per shipment
    assert resend_rows(1001) == []


def test_force_needs_a_reason(synchronised: LocalSession, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["resend", *SHIPPED_1, "--force"])

    err = capsys.readouterr().err
    assert code == 2
    assert err == "engage-bridge resend: --force needs --reason: it is recorded in the ledger with who forced it\n"


def test_a_forced_resend_sends_the_email_again_and_records_who_and_why(
    synchronised: LocalSession, capsys: pytest.CaptureFixture[str]
) -> None:
    before = shipped_emails(synchronised, "1001")

    code = main(["resend", *SHIPPED_1, "--force", "--reason", "customer says the e-mail never arrived"])
    synchronised.runtime.run_until_idle(120)

    assert code == 0, capsys.readouterr().err
    assert shipped_emails(synchronised, "1001") == before + 1
    [row] = [row for row in resend_rows(1001) if row["sk"].startswith("resend#email:shipped:shipment:1#")]
    assert row["forced"] is True
    assert row["why"] == "customer says the e-mail never arrived"
    assert str(row["requested_by"]).startswith("arn:aws:")
    assert (row["state"], row["reason"]) == ("sent", "order_shipped")
    logged = [json.loads(line) for line in synchronised.log_lines() if '"message":"resend"' in line]
    assert [(entry["requested_by"], entry["resend_reason"], entry["forced"], entry["state"]) for entry in logged] == [
        (row["requested_by"], "customer says the e-mail never arrived", True, "sent")
    ]


def test_a_receipt_and_a_contact_sync_are_resent_without_force(
    synchronised: LocalSession, capsys: pytest.CaptureFixture[str]
) -> None:
    assert synchronised.sandbox is not None
    receipts_before = len(synchronised.sandbox.requests("POST", "/api/v3/receipts"))

    receipt = main(["resend", "receipt", "--stack", STACK_NAME, "--order", "1001", "--shipment", "1"])
    contact = main(["resend", "contact", "--stack", STACK_NAME, "--customer", "1"])
    synchronised.runtime.run_until_idle(120)

    assert (receipt, contact) == (0, 0), capsys.readouterr().err
    assert len(synchronised.sandbox.requests("POST", "/api/v3/receipts")) == receipts_before + 1
    [row] = [row for row in resend_rows(1001) if row["sk"].startswith("resend#receipt:purchase:shipment:1#")]
    assert (row["forced"], row["state"]) == (False, "sent")


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["order-email", "--order", "999999", "--status", "created"], "Centra has no order 999999"),
        (["order-email", "--order", "1001", "--status", "shipped", "--shipment", "77"], "has no shipment 77"),
        (["order-email", "--order", "1001", "--status", "shipped"], "--shipment is required"),
        (["order-email", "--order", "1002", "--status", "cancelled"], "order 1002 is not cancelled"),
    ],
)
def test_an_object_that_does_not_exist_is_one_line_and_exit_2(
    synchronised: LocalSession, capsys: pytest.CaptureFixture[str], arguments: list[str], problem: str
) -> None:
    code = main(["resend", *arguments, "--stack", STACK_NAME])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("engage-bridge resend: ") and problem in err and err.count("\n") == 1
