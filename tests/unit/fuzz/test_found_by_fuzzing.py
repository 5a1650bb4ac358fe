"""Regression tests for what the fuzz pass found, as plain examples (they run whatever the Hypothesis profile)."""

import json
from typing import Any
from urllib.parse import quote

import pytest

from engage_bridge.centra.webhook_payload import WebhookPayloadError, parse_webhook_body
from engage_bridge.centra.webhook_signature import signature_header
from engage_bridge.ingress.http import raw_body
from engage_bridge.ingress.webhook import receive_webhook
from engage_bridge.ingress.webhook_entry import HttpHandler
from tests.lambda_support import lambda_context
from tests.unit.fuzz.router_support import ORDERS, run_batch
from tests.unit.fuzz.webhook_support import NOW, SECRET, RecordingQueue, http_event

ORDER_EVENT = {"type": "order", "action": "update", "date": "2026-11-23 10:00:00.1", "id": 7}


def form(document: object) -> bytes:
    return ("payload=" + quote(json.dumps(document))).encode()


def signed(body: bytes) -> str:
    return signature_header(SECRET, NOW, body)


@pytest.mark.parametrize(
    ("payload", "location"),
    [
        # An integer longer than Python's int digit limit raised ValueError out of json.loads.
        ('{"events": [{"type": "order", "action": "update", "id": 1' + "0" * 5000 + "}]}", "payload"),
        # Nesting deeper than the recursion limit raised RecursionError (the brackets need no quoting).
        ("[" * 100_000 + "]" * 100_000, "payload"),
        # An action longer than an ingest message's change (40) failed when the ingest message was built.
        (json.dumps({"events": [{**ORDER_EVENT, "action": "x" * 41}]}), "payload.events[0].action"),
    ],
)
def test_a_signed_body_python_cannot_take_is_refused_as_malformed(payload: str, location: str) -> None:
    body = ("payload=" + quote(payload, safe="[]")).encode()
    queue = RecordingQueue()

    with pytest.raises(WebhookPayloadError) as refused:
        parse_webhook_body(body)
    answer = receive_webhook(body, signed(body), [SECRET], now=NOW, tolerance_seconds=300, queue=queue)

    assert refused.value.location == location
    assert (answer.status, answer.reason, queue.events) == (400, "malformed_body", [])


def test_an_action_of_forty_characters_still_gets_through() -> None:
    body = form({"events": [{**ORDER_EVENT, "action": "x" * 40}]})
    queue = RecordingQueue()

    answer = receive_webhook(body, signed(body), [SECRET], now=NOW, tolerance_seconds=300, queue=queue)

    assert (answer.status, [event.change for event in queue.events]) == (200, ["x" * 40])


@pytest.mark.parametrize("body", ["0", "not base64!", "ÅÄÖ", "cGF5bG9hZD0=\n"])
def test_a_body_flagged_base64_that_is_not_is_refused_with_400(
    handler: HttpHandler, queue: RecordingQueue, body: str
) -> None:
    event: dict[str, Any] = {"headers": {"x-centra-signature": "t=1,v1=" + "0" * 64}, "body": body}
    event["isBase64Encoded"] = True
    event["requestContext"] = {"http": {"method": "POST", "path": "/centra/webhook"}}

    response = handler(event, lambda_context())

    assert (response["statusCode"], json.loads(response["body"])["status"]) == (400, "undecodable_body")
    assert queue.events == []


def test_a_correct_base64_body_is_still_decoded_exactly() -> None:
    body = form({"events": [ORDER_EVENT]}) + b"&note=%2B+"

    assert raw_body(http_event(body, {}, as_base64=True)) == body


def test_a_redelivered_record_is_counted_once_as_a_duplicate_not_also_as_sent(dynamodb: Any) -> None:
    # The idempotency hook counted Skipped/duplicate and the consumer then counted the replayed first
    # outcome too (Sent/routed_N): one record, two metrics, and Sent inflated by every redelivery.
    body = json.dumps({"source": "events", "object_type": "order", "object_id": ORDERS[0].number})

    run = run_batch(dynamodb, [body, body])

    # Counted per invocation by name and reason (the router's own skips of single effects are among them).
    assert [name for name, _ in run.outcomes].count("Sent") == 1
    assert run.outcomes.count(("Skipped", "duplicate")) == 1


def test_text_with_no_utf8_form_is_refused_as_undecodable() -> None:
    with pytest.raises(WebhookPayloadError, match="no UTF-8 form"):
        raw_body({"body": "payload=\ud800", "isBase64Encoded": False})
