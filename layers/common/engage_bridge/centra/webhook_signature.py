"""Verification of Centra's ``X-Centra-Signature`` webhook header.

The header reads ``t=<unix seconds>,v1=<hex>``, where ``v1`` is the lowercase hex HMAC-SHA256 of
``"<t>.<raw body>"`` keyed with the plugin's endpoint secret. The raw body is the whole
``payload=...`` form string exactly as received: re-encoding a parsed form changes bytes (``+`` vs
``%20``) and breaks the signature, so callers pass the bytes they got (base64-decoded first when API
Gateway says ``isBase64Encoded``).

Pure: the caller passes ``now``, so tests and replays never depend on the wall clock. Refusals raise
:class:`WebhookSignatureError` with a :class:`SignatureRefusal` reason; messages never carry a secret
or a digest.
"""

import hashlib
import hmac
import re
from collections.abc import Sequence
from enum import StrEnum

from msgspec import Struct

from engage_bridge.errors import BridgeError

HEADER_NAME = "X-Centra-Signature"
DEFAULT_TOLERANCE_SECONDS = 300

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


class SignatureRefusal(StrEnum):
    MISSING_HEADER = "missing_header"
    MALFORMED_HEADER = "malformed_header"
    STALE_TIMESTAMP = "stale_timestamp"
    FUTURE_TIMESTAMP = "future_timestamp"
    BAD_SIGNATURE = "bad_signature"


class WebhookSignatureError(BridgeError):
    """The webhook is refused; ``reason`` says why. Answer 401 and do not process the body."""

    def __init__(self, reason: SignatureRefusal, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"webhook signature refused: {reason.value}: {detail}")


class SignatureHeader(Struct, frozen=True):
    timestamp: str  # kept as sent: the signed string uses these exact digits
    signatures: tuple[str, ...]

    @property
    def unix_seconds(self) -> int:
        return int(self.timestamp)


class VerifiedSignature(Struct, frozen=True):
    timestamp: int
    secret_index: int  # which configured secret matched; > 0 means the sender still uses an older one


def parse_signature_header(header: str | None) -> SignatureHeader:
    """Split ``t=...,v1=...`` into its parts; unknown keys (future schemes) are ignored."""
    if header is None or not header.strip():
        raise WebhookSignatureError(SignatureRefusal.MISSING_HEADER, f"no {HEADER_NAME} header")
    timestamps: list[str] = []
    signatures: list[str] = []
    for part in header.split(","):
        key, separator, value = part.strip().partition("=")
        if not separator:
            raise WebhookSignatureError(SignatureRefusal.MALFORMED_HEADER, "a part has no '='")
        if key == "t":
            timestamps.append(value.strip())
        elif key == "v1":
            signatures.append(value.strip())
    if len(timestamps) != 1 or not _TIMESTAMP.fullmatch(timestamps[0]):
        raise WebhookSignatureError(SignatureRefusal.MALFORMED_HEADER, "expected exactly one numeric t=")
    if not signatures or not all(_HEX_DIGEST.fullmatch(signature) for signature in signatures):
        raise WebhookSignatureError(SignatureRefusal.MALFORMED_HEADER, "expected v1= with 64 hex digits")
    return SignatureHeader(timestamp=timestamps[0], signatures=tuple(signature.lower() for signature in signatures))


def compute_signature(secret: str, timestamp: str | int, raw_body: bytes) -> str:
    """Lowercase hex HMAC-SHA256 of ``"<t>.<raw body>"``."""
    message = str(timestamp).encode("ascii") + b"." + raw_body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, raw_body: bytes) -> str:
    """The header value Centra would send for this body; used by the fake and by tests."""
    return f"t={timestamp},v1={compute_signature(secret, timestamp, raw_body)}"


def verify_signature(
    raw_body: bytes,
    header: str | None,
    secrets: Sequence[str],
    *,
    now: int | float,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> VerifiedSignature:
    """Accept the webhook if any of ``secrets`` signed it within ``tolerance_seconds`` of ``now``.

    Several secrets allow a rotation: configure the new one first, then the old one, and drop the old
    one once ``secret_index`` stays 0. Raises :class:`WebhookSignatureError` on refusal.
    """
    if not secrets or not all(secrets):
        raise ValueError("at least one non-empty webhook secret is required")
    parsed = parse_signature_header(header)
    age = now - parsed.unix_seconds
    if age > tolerance_seconds:
        raise WebhookSignatureError(SignatureRefusal.STALE_TIMESTAMP, f"t is {int(age)} s old")
    if -age > tolerance_seconds:
        raise WebhookSignatureError(SignatureRefusal.FUTURE_TIMESTAMP, f"t is {int(-age)} s in the future")

    matched: int | None = None
    for index, secret in enumerate(secrets):
        expected = compute_signature(secret, parsed.timestamp, raw_body).encode("ascii")
        # Check every candidate without stopping early, so timing does not reveal which secret is in use.
        for candidate in parsed.signatures:
            if hmac.compare_digest(expected, candidate.encode("ascii")) and matched is None:
                matched = index
    if matched is None:
        raise WebhookSignatureError(SignatureRefusal.BAD_SIGNATURE, "no v1 matches a configured secret")
    return VerifiedSignature(timestamp=parsed.unix_seconds, secret_index=matched)
