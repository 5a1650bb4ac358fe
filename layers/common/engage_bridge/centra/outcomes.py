"""Typed outcomes of a Centra Integration API call that did not succeed, and Centra's ``Retry-After``.

Callers branch on the class: ``CentraRetryableError`` is worth trying again later (the queue's redelivery or the
next poll), everything else is permanent for the request as sent. Messages name the GraphQL operation, the
HTTP status and Centra's error category, never the token; e-mail addresses quoted in Centra's messages (a
variable's value in a validation error, a user error) are replaced by ``engage_bridge.pii.email_ref``.
"""

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime

from msgspec import Struct

from engage_bridge.engage.outcomes import scrub
from engage_bridge.engage.retry import parse_retry_after as parse_http_retry_after
from engage_bridge.errors import BridgeError

# A bare number this large is a Unix timestamp, not delta-seconds (no server asks for a 30-year wait).
_TIMESTAMP_FLOOR = 1_000_000_000
_MILLISECOND_FLOOR = 100_000_000_000


class CentraIssue(Struct, frozen=True):
    """One ``userErrors`` / ``userWarnings`` entry (or a top-level GraphQL error): message and field path."""

    message: str
    path: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = ".".join(self.path)
        return f"{where}: {self.message}" if where else self.message


class CentraError(BridgeError):
    """A Centra call failed. ``status`` is the HTTP status, None when no answer arrived."""

    def __init__(self, operation: str, status: int | None, detail: str = "") -> None:
        self.operation = operation
        self.status = status
        answer = f"answered {status}" if status is not None else "gave no answer"
        suffix = f" ({detail})" if detail else ""
        super().__init__(f"Centra {operation} {answer}{suffix}")


class CentraUserError(CentraError):
    """A mutation answered ``userErrors``: Centra refused the input. Permanent for the input as sent."""

    def __init__(self, operation: str, issues: tuple[CentraIssue, ...]) -> None:
        self.issues = issues
        super().__init__(operation, 200, "; ".join(str(issue) for issue in issues))

    @property
    def messages(self) -> tuple[str, ...]:
        return tuple(issue.message for issue in self.issues)


class CentraGraphQLError(CentraError):
    """Top-level ``errors``: the query is invalid against the schema, a limit is out of range, ...

    ``category`` is the first error's ``extensions.category`` (e.g. ``graphql``, ``request``), when Centra sent one.
    """

    def __init__(self, operation: str, status: int, issues: tuple[CentraIssue, ...], category: str | None) -> None:
        self.issues = issues
        self.category = category
        label = f"[{category}] " if category else ""
        super().__init__(operation, status, label + "; ".join(str(issue) for issue in issues))


class CentraUnauthorized(CentraError):
    """401/403 or an error of category ``authorization``: the token is wrong, expired, revoked or lacks a permission."""

    def __init__(self, operation: str, status: int, detail: str = "") -> None:
        super().__init__(operation, status, detail)


class CentraUnexpectedResponse(CentraError):
    """An answer the client has no rule for: another 4xx, a body that is not GraphQL JSON, no ``data``."""


class CentraRetryableError(CentraError):
    """429, 5xx, a timeout or a connection failure: worth trying again later.

    ``retry_after`` is the wait Centra asked for, in seconds from now (its ``Retry-After`` holds the timestamp
    at which requests may resume), when it sent one.
    """

    def __init__(
        self, operation: str, status: int | None, *, retry_after: float | None = None, detail: str = ""
    ) -> None:
        self.retry_after = retry_after
        super().__init__(operation, status, detail)


def scrubbed(text: object) -> str:
    """Centra's message as text with e-mail addresses replaced (messages can quote a variable's value)."""
    return scrub(str(text))[:500]


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Centra's ``Retry-After`` as seconds from ``now`` (a Unix time), at least 0; None when unreadable.

    Centra documents the header as the *timestamp* at which requests may resume. A Unix timestamp in seconds
    (or milliseconds), an ISO-8601 date-time, RFC 9110 delta-seconds and an HTTP-date are all accepted.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        return _parse_date(text, now)
    if not math.isfinite(number):
        return None
    if number >= _MILLISECOND_FLOOR:
        number /= 1000.0
    if number >= _TIMESTAMP_FLOOR:
        return max(0.0, number - now())
    return max(0.0, number)


def _parse_date(text: str, now: Callable[[], float]) -> float | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        reference = datetime.fromtimestamp(now(), UTC)
        return parse_http_retry_after(text, now=lambda: reference)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, moment.timestamp() - now())
