"""Promotion redemption end to end: redeemed once; a refused redemption is counted, never dead-lettered."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from engage_bridge_tools.sandbox import EngageSandbox
from tests.integration.handlers.conftest import DeployedHandler
from tests.lambda_support import emitted_metrics, sqs_event

pytestmark = pytest.mark.integration

Deploy = Callable[..., DeployedHandler]


def redemption(assignment_id: str, order_number: int = 2348981, **extra: Any) -> str:
    return json.dumps({"order_number": order_number, "assignment_id": assignment_id, **extra})


def test_a_promotion_is_redeemed_once(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    assignment = engage_sandbox.seed_promotion()
    handler = deploy("promotion_redemption")

    first = handler.invoke(sqs_event([redemption(assignment)]))
    second = handler.invoke(sqs_event([redemption(assignment)]))

    assert first == second == {"batchItemFailures": []}
    assert len(engage_sandbox.requests("POST", f"/api/v3/promotion-assignments/{assignment}/redeem")) == 1
    assert engage_sandbox.state()["promotions"][assignment]["redeemed"] is True


@pytest.mark.parametrize(
    ("seed", "reason"),
    [
        ({"expired": True}, "PromotionExpired"),
        ({"redeemed": True}, "PromotionAlreadyRedeemed"),
        (None, "PromotionNotFound"),
    ],
)
def test_a_refused_redemption_is_counted_and_blocks_nothing(
    deploy: Deploy,
    engage_sandbox: EngageSandbox,
    capsys: pytest.CaptureFixture[str],
    seed: dict[str, bool] | None,
    reason: str,
) -> None:
    if seed is None:
        assignment = "0b6b1c1e-unknown"
    else:
        assignment = engage_sandbox.seed_promotion(
            expired=seed.get("expired", False), redeemed=seed.get("redeemed", False)
        )
    handler = deploy("promotion_redemption")

    response = handler.invoke(sqs_event([redemption(assignment), redemption(engage_sandbox.seed_promotion(), 7)]))

    assert response == {"batchItemFailures": []}
    assert handler.dead_letters() == []
    assert ("Failed", reason) in {(name, dims.get("reason")) for name, dims in emitted_metrics(capsys.readouterr().out)}


def test_backfill_never_redeems(deploy: Deploy, engage_sandbox: EngageSandbox) -> None:
    assignment = engage_sandbox.seed_promotion()
    handler = deploy("promotion_redemption")

    handler.invoke(sqs_event([redemption(assignment, historical=True)]))

    assert engage_sandbox.state()["promotions"][assignment]["redeemed"] is False


def test_already_redeemed_after_our_own_unanswered_attempt_counts_as_sent(
    deploy: Deploy, engage_sandbox: EngageSandbox
) -> None:
    assignment = engage_sandbox.seed_promotion()
    handler = deploy("promotion_redemption")
    path = f"/api/v3/promotion-assignments/{assignment}/redeem"
    # Engage redeems, then the connection drops: no answer reaches the bridge.
    engage_sandbox.script_fault("drop_after_effect", method="POST", path=path)
    ok = redemption(engage_sandbox.seed_promotion(), 7)

    first = handler.invoke(sqs_event([redemption(assignment), ok]))
    retried = handler.invoke(sqs_event([redemption(assignment)]))  # the queue's retry, another invocation

    assert first == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert retried == {"batchItemFailures": []}
    assert len(engage_sandbox.requests("POST", path)) == 2
    assert handler.dead_letters() == []
    item = handler.dynamodb.get_item(
        TableName="state", Key={"pk": {"S": "effect#order#2348981"}, "sk": {"S": f"redemption:{assignment}"}}
    )["Item"]
    assert (item["state"]["S"], item["reason"]["S"]) == ("sent", "redeemed_unconfirmed")
