"""Engage's preference webhooks, delivered by Svix: verify, deduplicate, enqueue; the consumer does the rest.

Svix signs ``{id}.{timestamp}.{raw body}`` with HMAC-SHA256 and sends ``svix-id``/``svix-timestamp``/
``svix-signature``, or the same under the Standard Webhooks names ``webhook-*`` (white-labelled accounts);
Voyado does not say which, so both are accepted (engage-wave2.md §1.3). The maintained ``standardwebhooks``
library verifies the raw body in constant time and refuses a timestamp more than five minutes off. The message id
is the same on every retry (§1.4), so it is the deduplication key. Svix counts only a 2xx within 15 s as delivered:
nothing here calls Engage or Centra.
"""

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from msgspec import Struct
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from engage_bridge.consent.messages import PreferenceChange

_HEADERS = ("id", "timestamp", "signature")
_PREFIXES = ("webhook-", "svix-")
# Events whose contact may have changed its e-mail preference (Voyado's webhook catalogue, engage-wave2.md §1.1):
# the preference events, consents, and contact.updated where the tenant has it. Others are acknowledged, counted.
PREFERENCE_EVENTS = frozenset(
    {
        "contact.acceptsemail.changed",
        "contact.acceptssms.changed",
        "contact.acceptspostal.changed",
        "contact.consent.changed",
        "contact.updated",
    }
)


class WebhookAnswer(Struct, frozen=True):
    status: int
    reason: str
    queued: int = 0


class MessageIds(Protocol):
    """Svix message ids already taken in (the state table, with an expiry beyond Svix's ~28 h of retries)."""

    def first_time(self, message_id: str) -> bool: ...

    def forget(self, message_id: str) -> None: ...


class ConsentQueue(Protocol):
    def send(self, change: PreferenceChange) -> None: ...


def svix_headers(headers: Mapping[str, str]) -> dict[str, str] | None:
    """The three signature headers under the names the library reads, from either family; None if incomplete."""
    lowered = {name.lower(): value for name, value in headers.items()}
    for prefix in _PREFIXES:
        found = {f"webhook-{part}": lowered.get(f"{prefix}{part}") for part in _HEADERS}
        if all(found.values()):
            return {name: str(value) for name, value in found.items()}
    return None


def receive_preference_webhook(
    body: bytes, headers: Mapping[str, str], secrets: Sequence[str], ids: MessageIds, queue: ConsentQueue
) -> WebhookAnswer:
    signed = svix_headers(headers)
    if signed is None:
        return WebhookAnswer(400, "missing_signature_headers")
    envelope = _verified(body, signed, secrets)
    if isinstance(envelope, WebhookAnswer):
        return envelope
    event_type = str(_get(envelope, "eventType") or "")
    if event_type.casefold() not in PREFERENCE_EVENTS:
        return WebhookAnswer(200, f"ignored_{_metric_safe(event_type)}")
    try:
        change = _change(envelope, signed, event_type)
    except ValueError:
        return WebhookAnswer(400, "no_contact")
    if not ids.first_time(signed["webhook-id"]):
        return WebhookAnswer(200, "duplicate")
    try:
        queue.send(change)
    except Exception:
        ids.forget(signed["webhook-id"])  # Svix delivers it again; it must not then look like a duplicate
        raise
    return WebhookAnswer(200, "queued", queued=1)


def _verified(body: bytes, signed: dict[str, str], secrets: Sequence[str]) -> Mapping[str, Any] | WebhookAnswer:
    reason = "bad_signature"
    for secret in secrets:
        try:
            Webhook(secret).verify(body, signed, json_parse=False)
        except WebhookVerificationError as error:
            if "timestamp" in str(error).casefold():
                reason = "timestamp_out_of_window"  # a replay, or a clock far off
            continue
        return _envelope(body)
    return WebhookAnswer(401, reason)


def _envelope(body: bytes) -> Mapping[str, Any] | WebhookAnswer:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return WebhookAnswer(400, "malformed_body")
    return document if isinstance(document, dict) else WebhookAnswer(400, "malformed_body")


def _change(envelope: Mapping[str, Any], signed: dict[str, str], event_type: str) -> PreferenceChange:
    """Voyado's envelope ``{eventType, id|eventId, isEncrypted, payload, tenant}``, keys read without case."""
    payload = _get(envelope, "payload")
    encrypted = _get(envelope, "isEncrypted") is True
    contact_id = None if encrypted or not isinstance(payload, Mapping) else _get(payload, "contactId")
    return PreferenceChange(
        source="webhook",
        observed_at=float(signed["webhook-timestamp"]),
        message_id=signed["webhook-id"],
        event_type=event_type,
        contact_id=str(contact_id) if contact_id is not None else None,
        encrypted_payload=payload if encrypted and isinstance(payload, str) else None,
    )


def _get(document: Mapping[str, Any], name: str) -> Any:
    return next(
        (value for key, value in document.items() if isinstance(key, str) and key.casefold() == name.casefold()), None
    )


def _metric_safe(event_type: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "._" else "_" for c in event_type)[:60]
    return cleaned or "no_event_type"
