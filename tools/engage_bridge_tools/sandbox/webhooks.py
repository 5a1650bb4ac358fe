"""Engage's preference webhooks, sent as Engage sends them: through Svix, signed, to the brand's endpoint.

Voyado's catalogue (``contact.acceptsEmail.changed`` and its siblings) fires only for contacts that already exist
(webhooks for contact preferences). The envelope is the one Voyado shows for its sibling events,
``{eventType, id, isEncrypted, payload: {contactId, ...}, tenant}`` (webhooks for points and vouchers; the preference
payload itself is only in the tenant's Svix portal, so ``payload`` holds the contact id and the new value, the
minimum the sibling events show). Svix signs ``{msg_id}.{timestamp}.{body}`` with HMAC-SHA256 and sends
``svix-id``/``svix-timestamp``/``svix-signature``, or the ``webhook-*`` names for white-labelled accounts (Svix,
verifying payloads). With an encryption key the payload is AES-256-CBC encrypted like a soft-identification token
(IV first, URL-safe Base64). Built from those sources alone: nothing here imports the bridge.
"""

import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from standardwebhooks import Webhook

HeaderFamily = Literal["svix", "webhook"]


@dataclass(frozen=True, slots=True)
class Delivery:
    message_id: str
    event_type: str
    contact_id: str
    status: int | None  # None: the endpoint did not answer
    body: dict[str, Any]


@dataclass
class PreferenceWebhooks:
    """Where and how the sandbox delivers preference webhooks; ``deliveries`` is the witness."""

    url: str
    secret: str
    headers: HeaderFamily = "svix"
    tenant: str = "sandbox"
    encryption_key: str | None = None
    transport: httpx.BaseTransport | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def deliver(
        self,
        contact_id: str,
        event_type: str,
        values: dict[str, Any],
        *,
        message_id: str | None = None,
        at: datetime | None = None,
    ) -> Delivery:
        """POST one signed event (a retry is the same ``message_id`` again, as Svix does)."""
        message_id = message_id or f"msg_{secrets.token_hex(12)}"
        payload: Any = {"contactId": contact_id, **values}
        encrypted = self.encryption_key is not None
        if self.encryption_key is not None:
            payload = encrypt(json.dumps(payload), self.encryption_key)
        envelope = {
            "eventType": event_type,
            "id": message_id,
            "isEncrypted": encrypted,
            "payload": payload,
            "tenant": self.tenant,
        }
        body = json.dumps(envelope, separators=(",", ":"))
        moment = at or datetime.now(UTC)
        signature = Webhook(self.secret).sign(message_id, moment, body)
        prefix = f"{self.headers}-"
        headers = {
            "content-type": "application/json",
            "user-agent": "Svix-Webhooks/1.0 (sandbox)",
            f"{prefix}id": message_id,
            f"{prefix}timestamp": str(int(moment.timestamp())),
            f"{prefix}signature": signature,
        }
        try:
            with httpx.Client(transport=self.transport, timeout=15.0) as client:  # Svix waits 15 s for a 2xx
                status: int | None = client.post(self.url, content=body.encode(), headers=headers).status_code
        except httpx.HTTPError:
            status = None
        delivery = Delivery(message_id, event_type, contact_id, status, envelope)
        with self._lock:
            self.deliveries.append(delivery)
        return delivery


def new_secret() -> str:
    """A Svix-style signing secret: ``whsec_`` and 24 random bytes in Base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def encrypt(plain: str, key: str) -> str:
    """AES-256-CBC, IV first, URL-safe Base64 without padding (Voyado's soft identification format)."""
    iv = secrets.token_bytes(16)
    padder = padding.PKCS7(128).padder()
    data = padder.update(plain.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key.encode()), modes.CBC(iv)).encryptor()
    token = base64.urlsafe_b64encode(iv + encryptor.update(data) + encryptor.finalize()).decode()
    return token.rstrip("=")
