"""Parsing of the Centra Webhook plugin body (Integration API version) into typed events.

The body is a single form field, ``payload=<url-encoded JSON>``, whose JSON is
``{"events": [{"type": "order", "action": "update", "date": "2021-01-29 14:40:58.628033", "id": 2735}]}``.
Webhooks only name objects; the receiver fetches the current state through the Integration API.
Verify the signature on the raw bytes *before* parsing.

``date`` carries microseconds and no offset, and Centra does not document its time zone, so it stays a
naive datetime. ``action`` stays a string: only ``create``, ``update`` and ``good_to_go`` are documented.

A call may hold event types this module does not know (a plugin trigger's "Field Name" is configurable, WH:126):
those are returned apart, by type, and never fail the known events beside them. A known event must be whole:
its ``id`` an integer in Centra's range (GraphQL ``Int``, 32-bit signed: ``Order.number``, ``Shipment.id`` ...).
"""

import json
from datetime import datetime
from typing import Annotated, Any, Literal, get_args
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

# Defined with the bridge's errors: the signed endpoints that only reject a body (ingress.http, subscriptions) need
# the type without this module's models (issue 18, cold start).
from engage_bridge.errors import WebhookPayloadError

__all__ = ["KNOWN_TYPES", "WebhookEvent", "WebhookNotification", "WebhookPayloadError", "parse_webhook_body"]

WebhookObjectType = Literal["order", "shipment", "customer", "account", "return"]
KNOWN_TYPES: frozenset[str] = frozenset(get_args(WebhookObjectType))
CENTRA_MAX_INT = 2**31 - 1  # GraphQL Int (spec: signed 32-bit); Centra's ids and order numbers are Int!


class WebhookEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    type: WebhookObjectType
    # At most as long as an ingest message's ``change``: a longer action is refused here, with a 400 naming
    # the field, instead of failing when the ingest message is built.
    action: Annotated[str, Field(min_length=1, max_length=40)]
    date: datetime
    # An order's id is most likely its number (the events system uses the number); kept as sent.
    id: Annotated[StrictInt, Field(ge=0, le=CENTRA_MAX_INT)]


class WebhookNotification(BaseModel):
    """The known events of a call, and how many events of each unknown type it also held."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    events: tuple[WebhookEvent, ...]
    unknown_types: dict[str, int] = Field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.events) + sum(self.unknown_types.values())


def parse_webhook_body(raw_body: bytes | str) -> WebhookNotification:
    """Decode ``payload=<url-encoded JSON>`` into a :class:`WebhookNotification`."""
    document = _decode_payload_json(_payload_field(raw_body))
    if not isinstance(document, dict):
        raise WebhookPayloadError("payload", "expected a JSON object")
    if "events" not in document:
        # The Checkout/Storefront plugin versions send {"products": [...]} and similar.
        keys = ", ".join(sorted(str(key) for key in document)) or "none"
        raise WebhookPayloadError("payload", f"no 'events' key (keys: {keys}); is the plugin on the Integration API?")
    raw_events = document["events"]
    if not isinstance(raw_events, list):
        raise WebhookPayloadError("payload.events", "expected a list")
    known: list[WebhookEvent] = []
    unknown: dict[str, int] = {}
    for index, raw in enumerate(raw_events):
        event_type = raw.get("type") if isinstance(raw, dict) else None
        if isinstance(event_type, str) and event_type and event_type not in KNOWN_TYPES:
            unknown[event_type] = unknown.get(event_type, 0) + 1
            continue
        try:
            known.append(WebhookEvent.model_validate(raw))
        except ValidationError as error:
            first = error.errors()[0]
            raise WebhookPayloadError(_location(("events", index, *first["loc"])), first["msg"]) from None
    return WebhookNotification(events=tuple(known), unknown_types=unknown)


def _location(loc: tuple[int | str, ...]) -> str:
    """``("events", 2, "id")`` -> ``payload.events[2].id``."""
    text = "payload"
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _payload_field(raw_body: bytes | str) -> str:
    try:
        text = raw_body.decode("ascii") if isinstance(raw_body, bytes) else raw_body
    except UnicodeDecodeError:
        raise WebhookPayloadError("body", "a form-encoded body must be ASCII") from None
    try:
        fields = parse_qs(text, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise WebhookPayloadError("body", "not application/x-www-form-urlencoded") from None
    values = fields.get("payload", [])
    if len(values) != 1:
        raise WebhookPayloadError("body", f"expected one 'payload' field, found {len(values)}")
    return values[0]


def _decode_payload_json(payload: str) -> Any:
    try:
        return json.loads(payload)
    except json.JSONDecodeError as error:
        raise WebhookPayloadError("payload", f"invalid JSON at character {error.pos}") from None
    # Valid JSON that Python will not decode: an integer longer than int's digit limit (ValueError), or
    # arrays nested deeper than the recursion limit. Both fit in a signed body under MAX_BODY_BYTES.
    except ValueError:
        raise WebhookPayloadError("payload", "a number in the JSON is too long") from None
    except RecursionError:
        raise WebhookPayloadError("payload", "the JSON is nested too deeply") from None
