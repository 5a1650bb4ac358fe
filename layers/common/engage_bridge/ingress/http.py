"""What every signed HTTP endpoint needs first: its accepted secrets, and the request body as the sender signed it.

Shared by the Centra webhook, the back-in-stock subscription endpoint and the product feed route, each of which
imports only this, not another endpoint's handler.
"""

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from engage_bridge.errors import WebhookPayloadError
from engage_bridge.secrets import read_secret


def webhook_secrets(secret_name: str) -> list[str]:
    """The accepted endpoint secrets: a plain string, or ``{"current", "previous"}`` while rotating."""
    value = read_secret(secret_name)
    try:
        document = json.loads(value)
    except json.JSONDecodeError:
        return [value]
    if isinstance(document, dict):
        return [str(document[key]) for key in ("current", "previous") if document.get(key)]
    return [value]


def raw_body(event: Mapping[str, Any]) -> bytes:
    """The request body exactly as Centra sent it (API Gateway base64-encodes form posts).

    Raises :class:`WebhookPayloadError` for a body flagged as base64 that is not, or text that has no UTF-8
    form: no bytes to verify a signature on.
    """
    body = event.get("body") or ""
    try:
        if event.get("isBase64Encoded"):
            return base64.b64decode(body, validate=True)
        return str(body).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate; caught before ValueError, its base class
        raise WebhookPayloadError("body", "the body has no UTF-8 form") from None
    except (binascii.Error, ValueError):  # ValueError: non-ASCII text where base64 was promised
        raise WebhookPayloadError("body", "isBase64Encoded is set, but the body is not base64") from None
