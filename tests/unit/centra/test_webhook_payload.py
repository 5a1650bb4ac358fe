"""The webhook body: form-encoded JSON to typed events, and malformed bodies named precisely."""

import json
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from engage_bridge.centra.webhook_payload import WebhookPayloadError, parse_webhook_body


def _body(document: Any) -> bytes:
    return urlencode({"payload": json.dumps(document)}).encode("ascii")


def _error(body: bytes | str) -> WebhookPayloadError:
    with pytest.raises(WebhookPayloadError) as caught:
        parse_webhook_body(body)
    return caught.value


def test_integration_api_events_become_typed_events() -> None:
    body = _body(
        {
            "events": [
                {"type": "order", "action": "update", "date": "2021-01-29 14:40:58.628033", "id": 2735},
                {"type": "shipment", "action": "good_to_go", "date": "2021-01-29 14:41:00.000001", "id": 12},
            ]
        }
    )

    notification = parse_webhook_body(body)

    assert [(event.type, event.action, event.id) for event in notification.events] == [
        ("order", "update", 2735),
        ("shipment", "good_to_go", 12),
    ]
    assert notification.events[0].date == datetime(2021, 1, 29, 14, 40, 58, 628033)


def test_percent_and_plus_encodings_both_decode() -> None:
    document = '{"events": [{"type": "customer", "action": "create", "date": "2024-01-01 00:00:00.0", "id": 7}]}'

    with_plus = "payload=" + quote(document).replace("%20", "+")
    with_percent = "payload=" + quote(document)

    assert parse_webhook_body(with_plus) == parse_webhook_body(with_percent.encode())


def test_an_empty_event_list_is_valid() -> None:
    assert parse_webhook_body(_body({"events": []})).events == ()


def test_unknown_event_keys_are_ignored() -> None:
    event = {"type": "return", "action": "create", "date": "2024-01-01 10:00:00", "id": 3, "extra": True}

    assert parse_webhook_body(_body({"events": [event]})).events[0].id == 3


@pytest.mark.parametrize(
    ("body", "location", "problem"),
    [
        (b"", "body", "one 'payload' field, found 0"),
        (b"products=1", "body", "one 'payload' field, found 0"),
        (b"payload=1&payload=2", "body", "found 2"),
        (b"payload=%E9", "body", "urlencoded"),
        ("payload=caf\u00e9", "payload", "invalid JSON"),
        (b"\xff", "body", "ASCII"),
        (b"payload=%7B", "payload", "invalid JSON"),
        (b"payload=%5B%5D", "payload", "JSON object"),
    ],
)
def test_malformed_bodies(body: bytes | str, location: str, problem: str) -> None:
    error = _error(body)

    assert error.location == location
    assert problem in error.problem


def test_a_checkout_api_plugin_body_is_named_as_such() -> None:
    error = _error(_body({"products": ["1"]}))

    assert "no 'events' key (keys: products)" in str(error)


@pytest.mark.parametrize(
    ("event", "location"),
    [
        ({"action": "update", "date": "2024-01-01 00:00:00", "id": 1}, "payload.events[1].type"),
        ({"type": 7, "action": "update", "date": "2024-01-01 00:00:00", "id": 1}, "payload.events[1].type"),
        ({"type": "order", "action": "", "date": "2024-01-01 00:00:00", "id": 1}, "payload.events[1].action"),
        ({"type": "order", "action": "update", "date": "yesterday", "id": 1}, "payload.events[1].date"),
        ({"type": "order", "action": "update", "date": "2024-01-01 00:00:00", "id": "1"}, "payload.events[1].id"),
        ({"type": "order", "action": "update", "date": "2024-01-01 00:00:00", "id": True}, "payload.events[1].id"),
        ({"type": "order", "action": "update", "date": "2024-01-01 00:00:00"}, "payload.events[1].id"),
        ({"type": "order", "action": "update", "date": "2024-01-01 00:00:00", "id": 2**31}, "payload.events[1].id"),
        ({"type": "order", "action": "update", "date": "2024-01-01 00:00:00", "id": -1}, "payload.events[1].id"),
    ],
)
def test_a_bad_event_is_named_by_its_position(event: dict[str, Any], location: str) -> None:
    good = {"type": "order", "action": "create", "date": "2024-01-01 00:00:00", "id": 5}

    assert _error(_body({"events": [good, event]})).location == location


def test_events_must_be_a_list() -> None:
    assert _error(_body({"events": {"type": "order"}})).location == "payload.events"


def test_events_of_unknown_types_are_set_apart_and_the_known_ones_kept() -> None:
    known = {"type": "order", "action": "update", "date": "2024-01-01 00:00:00", "id": 2**31 - 1}
    product = {"type": "products", "id": "not even an int"}
    notification = parse_webhook_body(_body({"events": [product, known, product, {"type": "DisplayItems"}]}))

    assert [event.id for event in notification.events] == [2**31 - 1]
    assert notification.unknown_types == {"products": 2, "DisplayItems": 1} and notification.size == 4
