"""Typed outcomes of an Engage call that did not succeed.

Callers branch on the class: ``EngageRetryableError`` goes back to the queue (slow retry, then DLQ),
everything else is permanent for the request as sent. Messages name the method, the path *template*
and Engage's error code, never an e-mail, a query string or the API key. Engage's own descriptions can
quote the offending value (an invalid e-mail address), so e-mail addresses in them are replaced by
``engage_bridge.pii.email_ref`` before they are stored.
"""

import re

from msgspec import Struct

from engage_bridge.errors import BridgeError
from engage_bridge.pii import email_ref

# What ``engage_bridge.engage`` re-exports (``scrub`` is the Centra client's, imported from here).
__all__ = [
    "EngageConflict",
    "EngageError",
    "EngageNotFound",
    "EngageRetryableError",
    "EngageUnauthorized",
    "EngageUnexpectedResponse",
    "EngageValidationError",
    "ValidationIssue",
]

_EMAIL = re.compile(r"[^\s'\"<>()\[\],;:]+@[^\s'\"<>()\[\],;:]+\.[A-Za-z]{2,}")


def scrub(text: str) -> str:
    """Replace every e-mail address in ``text`` by its log-safe reference."""
    return _EMAIL.sub(lambda match: email_ref(match.group(0)), text)


class ValidationIssue(Struct, frozen=True):
    """One entry of Engage's ``validationErrors`` (seed 001 shape)."""

    code: str
    field: str
    description: str


class EngageError(BridgeError):
    """An Engage call failed. ``status`` is None when no HTTP answer arrived."""

    # Set when an earlier attempt of the same call went unanswered and may have taken effect, e.g. a
    # redeem whose retry answers PromotionAlreadyRedeemed.
    earlier_attempt_maybe_applied: bool = False

    def __init__(self, method: str, path: str, status: int | None, error_code: str | None, detail: str = "") -> None:
        self.method = method
        self.path = path
        self.status = status
        self.error_code = error_code
        answer = f"answered {status}" if status is not None else "gave no answer"
        code = f" {error_code}" if error_code else ""
        suffix = f" ({detail})" if detail else ""
        super().__init__(f"Engage {method} {path} {answer}{code}{suffix}")


class EngageValidationError(EngageError):
    """400 or 422: Engage rejected the request as sent. Fix the data or the tenant configuration."""

    def __init__(
        self,
        method: str,
        path: str,
        status: int,
        error_code: str | None,
        *,
        issues: tuple[ValidationIssue, ...],
        message: str | None = None,
    ) -> None:
        self.issues = issues
        self.message = scrub(message) if message else None
        fields = ", ".join(f"{issue.code}@{issue.field}" for issue in issues)
        super().__init__(method, path, status, error_code, fields)


class EngageNotFound(EngageError):
    """404: the contact, promotion or other object does not exist."""


class EngageConflict(EngageError):
    """409: multiple matches, promotion already redeemed or expired, ..."""

    def __init__(
        self,
        method: str,
        path: str,
        error_code: str | None,
        matches: tuple[str, ...] = (),
        message: str | None = None,
        *,
        existing_id: str | None = None,
    ) -> None:
        self.matches = matches  # contact ids of a MultipleMatches answer
        self.message = scrub(message) if message else None
        self.existing_id = existing_id  # the contact a create collided with, when Engage names it
        super().__init__(method, path, 409, error_code)


class EngageUnauthorized(EngageError):
    """401 or 403: the API key is wrong, revoked or not allowed from this address."""


class EngageUnexpectedResponse(EngageError):
    """An answer the bridge has no rule for (another 4xx, or a 2xx it cannot read)."""


class EngageRetryableError(EngageError):
    """429, 5xx, timeout or connection failure: worth trying again later.

    ``maybe_applied`` is True when the request may have taken effect although no success arrived (a read
    timeout, a dropped connection, a 500), so a non-idempotent request must be verified before it is sent
    again. ``retry_after`` is Engage's ``Retry-After`` in seconds, when it sent one.
    """

    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        error_code: str | None,
        *,
        maybe_applied: bool,
        retry_after: float | None = None,
        detail: str = "",
    ) -> None:
        self.maybe_applied = maybe_applied
        self.retry_after = retry_after
        super().__init__(method, path, status, error_code, detail)


def may_have_taken_effect(error: BaseException) -> bool:
    """False only when the failed request certainly changed nothing in Engage: a refusal (4xx), a 429 or 503, or a
    request that never left (``maybe_applied=False``), with no earlier attempt of it unanswered. Anything else
    (a timeout, a dropped connection, a 500/502/504, a 2xx the client could not read, a failure that is not
    Engage's answer at all) may have."""
    if not isinstance(error, EngageError):
        return True
    if error.earlier_attempt_maybe_applied:
        return True
    if isinstance(error, EngageRetryableError):
        return error.maybe_applied
    return error.status is not None and 200 <= error.status < 300
