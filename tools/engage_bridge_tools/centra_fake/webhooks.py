"""Signed webhook delivery, as the Centra Webhook plugin (Integration API version) sends it.

Body: ``payload=<url-encoded {"events": [{"type", "action", "date", "id"}]}>``, header
``X-Centra-Signature: t=<unix>,v1=<hmac>``, signed here as the plugin's documentation says (its worked example is
a test of this module), not with the bridge's verifier: an emulator sharing the client's code would share its
mistakes. ``drop_share`` silently loses a seeded share of deliveries,
which is what Centra's "no delivery guarantee" looks like from the receiving side; a soak test can then
check that the events poller recovers them.
"""

import hashlib
import hmac
import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urlencode

import httpx

SIGNATURE_HEADER = "X-Centra-Signature"

# Event system object types that the Integration API webhook also covers, and their webhook "type".
WEBHOOK_TYPES = {
    "Order": "order",
    "Shipment": "shipment",
    "Customer": "customer",
    "Account": "account",
    "Return": "return",
}
# Only create / update / good_to_go are documented; the rest is this fake's assumption.
WEBHOOK_ACTIONS = {
    "CREATED": "create",
    "UPDATED": "update",
    "COMPLETED": "update",
    "DEPENDENT_DATA_CHANGED": "update",
    "DELETED": "delete",
}

Transport = Callable[[str, bytes, Mapping[str, str]], int]


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    secret: str
    drop_share: float = 0.0  # 0..1, share of deliveries that are lost on purpose
    seed: int = 0
    timeout_seconds: float = 5.0  # Centra's documented default


@dataclass(frozen=True)
class WebhookDelivery:
    body: bytes
    headers: Mapping[str, str]
    outcome: Literal["delivered", "dropped", "failed"]
    status: int | None = None
    error: str | None = None


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Centra-Signature`` value: ``t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>", keyed by the secret>``."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_event(object_type: str, change_type: str, object_reference: int, at: datetime) -> dict[str, object] | None:
    """The webhook form of an events-system change, or ``None`` when webhooks do not cover the type."""
    webhook_type = WEBHOOK_TYPES.get(object_type)
    if webhook_type is None:
        return None
    return {
        "type": webhook_type,
        "action": WEBHOOK_ACTIONS[change_type],
        "date": at.strftime("%Y-%m-%d %H:%M:%S.%f"),  # Centra's shape: microseconds, no offset
        "id": object_reference,
    }


def encode_body(events: list[dict[str, object]]) -> bytes:
    return urlencode({"payload": json.dumps({"events": events}, separators=(",", ":"))}).encode("ascii")


def httpx_transport(timeout_seconds: float) -> Transport:
    def post(url: str, body: bytes, headers: Mapping[str, str]) -> int:
        return httpx.post(url, content=body, headers=dict(headers), timeout=timeout_seconds).status_code

    return post


class WebhookSender:
    def __init__(self, target: WebhookTarget, clock: Callable[[], float], transport: Transport | None = None) -> None:
        self.target = target
        self._clock = clock
        self._random = random.Random(target.seed)  # noqa: S311 - reproducible chaos, not security
        self._transport = transport or httpx_transport(target.timeout_seconds)
        self.deliveries: list[WebhookDelivery] = []

    def send(self, events: list[dict[str, object]]) -> WebhookDelivery:
        body = encode_body(events)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            SIGNATURE_HEADER: sign(self.target.secret, int(self._clock()), body),
        }
        delivery = self._deliver(body, headers)
        self.deliveries.append(delivery)
        return delivery

    def _deliver(self, body: bytes, headers: Mapping[str, str]) -> WebhookDelivery:
        if self._random.random() < self.target.drop_share:
            return WebhookDelivery(body, headers, "dropped")
        try:
            status = self._transport(self.target.url, body, headers)
        except httpx.HTTPError as error:
            return WebhookDelivery(body, headers, "failed", error=type(error).__name__)
        outcome: Literal["delivered", "failed"] = "delivered" if 200 <= status < 300 else "failed"
        return WebhookDelivery(body, headers, outcome, status=status)
