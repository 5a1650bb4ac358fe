"""Centra's signed webhook: verify, parse, enqueue one ingest message per event, answer fast.

Centra gives up on a webhook after its retries (three at most) and waits 5 s for an answer, so the receiver
does nothing but check and enqueue; the router does the work, and the events poller is the safety net for
anything a webhook never delivered. Every refusal enqueues nothing:

- a missing or bad signature, or a timestamp outside the replay window → 401;
- a body that is not Centra's ``payload=<JSON>`` form, or a known event with an id beyond Centra's integer
  range → 400 (refused at the edge, not dead-lettered later);
- a body over ``MAX_BODY_BYTES`` → 413 (checked before anything is hashed or parsed), and a call of more than
  ``MAX_EVENTS_PER_CALL`` events → 413.

An event of a type the bridge does not handle (``account``, or a type it does not know) is counted and skipped;
the known events of the same call are queued. The work per call is one signature check, one parse and one
``IngestQueue.put`` (SQS batches of 10): a call of ``MAX_EVENTS_PER_CALL`` events is ten SQS requests.

The signature is checked on the raw bytes as received (after API Gateway's base64 is undone), never on a
re-encoded form, and in constant time (``engage_bridge.centra.webhook_signature``).
"""

from collections.abc import Sequence
from datetime import UTC, datetime

from msgspec import Struct, field

from engage_bridge.centra.webhook_payload import WebhookEvent, WebhookPayloadError, parse_webhook_body
from engage_bridge.centra.webhook_signature import WebhookSignatureError, verify_signature
from engage_bridge.ingress.queue import IngestQueue
from engage_bridge.messages import IngestEvent, IngestObject

MAX_BODY_BYTES = 256 * 1024  # Centra sends at most 100 small events per call (~10 KB)
# The plugin's "Max number of events per webhook call", default 100 (WH, Centra Webhook plugin docs); keep the
# plugin at its default. A larger call is refused whole (413): the events poller delivers those changes anyway.
MAX_EVENTS_PER_CALL = 100

# Webhook types the bridge acts on; ``account`` is a wholesale buyer, which never reaches Engage.
_OBJECT_TYPES: dict[str, IngestObject] = {
    "order": "order",
    "shipment": "shipment",
    "return": "return",
    "customer": "customer",
}


class WebhookAnswer(Struct, frozen=True):
    status: int
    reason: str  # why, for logs and metrics: "accepted", "bad_signature", ...
    queued: int = 0
    ignored: dict[str, int] = field(default_factory=dict)  # event type -> count, e.g. {"account": 2}
    secret_index: int | None = None  # > 0: Centra still signs with an older secret (rotation not finished)


def receive_webhook(
    raw_body: bytes,
    signature: str | None,
    secrets: Sequence[str],
    *,
    now: float,
    tolerance_seconds: int,
    queue: IngestQueue,
) -> WebhookAnswer:
    if len(raw_body) > MAX_BODY_BYTES:
        return WebhookAnswer(413, "too_large")
    try:
        verified = verify_signature(raw_body, signature, secrets, now=now, tolerance_seconds=tolerance_seconds)
    except WebhookSignatureError as refused:
        return WebhookAnswer(401, f"signature_{refused.reason.value}")
    try:
        notification = parse_webhook_body(raw_body)
    except WebhookPayloadError:
        return WebhookAnswer(400, "malformed_body")

    if notification.size > MAX_EVENTS_PER_CALL:
        return WebhookAnswer(413, "too_many_events")
    events, ignored = _ingest_events(notification.events, received_at=datetime.fromtimestamp(now, UTC))
    if notification.unknown_types:
        ignored["unknown_type"] = sum(notification.unknown_types.values())
    queued = queue.put(events) if events else []
    if not all(queued):
        # Centra resends the whole call; events that did get in are deduplicated downstream.
        return WebhookAnswer(503, "enqueue_failed", queued=sum(queued), secret_index=verified.secret_index)
    return WebhookAnswer(200, "accepted", len(events), ignored, verified.secret_index)


def _ingest_events(
    events: Sequence[WebhookEvent], *, received_at: datetime
) -> tuple[list[IngestEvent], dict[str, int]]:
    ingest: list[IngestEvent] = []
    ignored: dict[str, int] = {}
    for event in events:
        object_type = _OBJECT_TYPES.get(event.type)
        if object_type is None:
            ignored[event.type] = ignored.get(event.type, 0) + 1
            continue
        # The change happened before Centra called: the arrival bounds it (``date`` has no time zone, WH).
        ingest.append(
            IngestEvent(
                source="webhook",
                object_type=object_type,
                object_id=event.id,
                change=event.action,
                changed_by=received_at,
            )
        )
    return ingest, ignored
