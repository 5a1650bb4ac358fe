"""The storefront's proof that it issued a subscription request: a short-lived HMAC over the raw body.

Voyado's own subscription API for Centra is open (engage-api.md §6.2), so anyone can subscribe any address. Here
the brand's storefront *server* signs each request with a secret it shares with the stack (Secrets Manager):

    X-Storefront-Proof: t=<expiry, Unix seconds>,v1=<hex HMAC-SHA256(secret, "<expiry>." + body)>

The body is signed as sent, byte for byte, so no field can be changed or added without the secret. A proof is
short-lived: its expiry must lie in the future and at most ``max_age_seconds`` ahead, so a token copied from a
page is useless minutes later. Checked in constant time; during a rotation the previous secret is accepted too.
"""

import hashlib
import hmac
from collections.abc import Sequence
from enum import StrEnum

from msgspec import Struct

HEADER = "x-storefront-proof"
VERSION = "v1"


class ProofFailure(StrEnum):
    MISSING = "missing"
    MALFORMED = "malformed"
    EXPIRED = "expired"
    TOO_LONG_LIVED = "too_long_lived"
    MISMATCH = "mismatch"


class ProofRefused(Exception):
    def __init__(self, reason: ProofFailure) -> None:
        self.reason = reason
        super().__init__(f"storefront proof refused: {reason.value}")


class VerifiedProof(Struct, frozen=True):
    expires_at: int
    secret_index: int  # > 0: the storefront still signs with the previous secret


def sign(secret: str, body: bytes, expires_at: int) -> str:
    """The header value for ``body`` valid until ``expires_at``: what the storefront's server computes."""
    return f"t={expires_at},{VERSION}={_digest(secret, body, expires_at)}"


def verify(
    body: bytes, header: str | None, secrets: Sequence[str], *, now: float, max_age_seconds: int
) -> VerifiedProof:
    """Accept ``header`` for ``body`` or raise ``ProofRefused`` saying why."""
    if not header:
        raise ProofRefused(ProofFailure.MISSING)
    expires_at, signatures = _parse(header)
    if expires_at <= now:
        raise ProofRefused(ProofFailure.EXPIRED)
    if expires_at > now + max_age_seconds:
        raise ProofRefused(ProofFailure.TOO_LONG_LIVED)
    for index, secret in enumerate(secrets):
        expected = _digest(secret, body, expires_at)
        # Every signature against every secret, without stopping early: timing says nothing about which matched.
        if any(hmac.compare_digest(expected, given) for given in signatures):
            return VerifiedProof(expires_at=expires_at, secret_index=index)
    raise ProofRefused(ProofFailure.MISMATCH)


def _digest(secret: str, body: bytes, expires_at: int) -> str:
    return hmac.new(secret.encode("utf-8"), f"{expires_at}.".encode() + body, hashlib.sha256).hexdigest()


def _parse(header: str) -> tuple[int, list[str]]:
    expires: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit() and len(value) <= 12:
            expires = int(value)
        elif name == VERSION and value:
            signatures.append(value.lower())
    if expires is None or not signatures:
        raise ProofRefused(ProofFailure.MALFORMED)
    return expires, signatures
