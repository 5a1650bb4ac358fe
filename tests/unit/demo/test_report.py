"""The demo's printed summary reads right: payment statuses are not send failures, no dead letters says so."""

import io
from typing import Any

from engage_bridge_tools.demo.report import OTHER_RETRY, RETRY_EXPLANATIONS, print_summary


def summary(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "centra_in": {"orders": 60},
        "engage_out": {"emails": {"ORDER_CREATED": {"FAILED": 2, "SUCCESS": 55}, "ORDER_SHIPPED": {"SUCCESS": 44}}},
        "skipped_by_reason": {"already_sent": 3},
        "retried_by_reason": {"IdempotencyAlreadyInProgressError": 27, "EngageRetryableError": 1},
        "dead_letters_by_reason": {},
        "run": {"seconds": 1.0, "invocations": {}, "aws_requests": {}},
        "differences": [],
    }
    base.update(changes)
    return base


def printed(document: dict[str, Any]) -> str:
    out = io.StringIO()
    print_summary(document, out)
    return out.getvalue()


def test_payment_statuses_read_as_what_the_email_tells() -> None:
    text = printed(summary())

    assert "ORDER_CREATED: 57 sent (55 with payment status SUCCESS, 2 with payment status FAILED)" in text
    assert "not whether it was sent" in text
    assert "FAILED: 2" not in text


def test_no_dead_letters_is_said_in_words() -> None:
    text = printed(summary())

    assert "none: no message ended in a dead-letter queue" in text
    assert "(none)" not in text


def test_every_retry_reason_comes_with_why() -> None:
    text = printed(summary())

    assert (
        f"IdempotencyAlreadyInProgressError: 27\n    why: {RETRY_EXPLANATIONS['IdempotencyAlreadyInProgressError']}"
        in text
    )
    assert f"EngageRetryableError: 1\n    why: {OTHER_RETRY}" in text


def test_when_everything_is_a_success_there_is_no_payment_note() -> None:
    text = printed(summary(engage_out={"emails": {"ORDER_SHIPPED": {"SUCCESS": 4}}}, retried_by_reason={}))

    assert "ORDER_SHIPPED: 4 sent (4 with payment status SUCCESS)" in text
    assert "not whether it was sent" not in text
    assert "Retried" in text and "  none" in text
