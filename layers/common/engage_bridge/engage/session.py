"""One Engage call, end to end: headers, timeout, rate limit, attempts, typed outcome and a log line.

``EngageClient`` describes *what* to call; this module decides *how*: it turns every answer or httpx
exception into a success or an ``outcomes`` error, retries what is retryable and safe to resend, and logs
each attempt by method and path template only (query strings carry e-mails; headers carry the key).
"""

import functools
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx
from aws_lambda_powertools import Logger
from msgspec import Struct

from engage_bridge import __version__
from engage_bridge.engage.outcomes import (
    EngageConflict,
    EngageError,
    EngageNotFound,
    EngageRetryableError,
    EngageUnauthorized,
    EngageUnexpectedResponse,
    EngageValidationError,
    ValidationIssue,
    scrub,
)
from engage_bridge.engage.rate_limit import RateLimiter
from engage_bridge.engage.retry import Deadline, RetryPolicy, parse_retry_after

# httpx logs every request line, query string included, at INFO: that would put e-mails in CloudWatch.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

_default_logger = Logger(child=True)

# Keep this much of the invocation free after a request times out, for the handler to report it.
_REQUEST_RESERVE_S = 0.5
_MIN_USEFUL_TIMEOUT_S = 0.05
# 5xx answers after which the request may still have been applied; 503 means it was never taken in.
_MAYBE_APPLIED_STATUSES = frozenset({500, 502, 504})
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# A request whose budget slot passes before it reaches the transport takes the next one; a container missing this
# many in a row is starved of CPU, and its message goes back to its queue.
_SLOT_TRIES = 5

ApiKey = str | Callable[[], str]


class _SlotMissed(Exception):
    """The request's budget slot passed before it reached the transport: it was not sent."""


class Call(Struct, frozen=True):
    """One logical Engage request. ``idempotent`` says whether resending it can never double its effect."""

    method: str
    template: str  # path with placeholders, for logs and error messages
    path: str
    timeout: float
    idempotent: bool
    params: Mapping[str, str] | None = None
    body: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None


class Verified[T](Struct, frozen=True):
    """The effect of an earlier, unanswered attempt was found by a GET; nothing was resent."""

    value: T


class EngageSession:
    """Owns the one ``httpx.Client`` of a container and sends ``Call`` objects through it."""

    def __init__(
        self,
        base_url: str,
        api_key: ApiKey,
        *,
        user_agent: str,
        connect_timeout: float,
        retry: RetryPolicy,
        rate_limiter: RateLimiter | None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        logger: Logger | None = None,
        observe_latency: Callable[[float], None] | None = None,
    ) -> None:
        self._api_key = api_key
        self._observe_latency = observe_latency
        self._retry = retry
        self._rate_limiter = rate_limiter
        self._sleep = sleep
        self._connect_timeout = connect_timeout
        self._logger = logger or _default_logger
        self.deadline = Deadline(None)
        self._key_in_headers: str | None = None
        self._base_url = base_url.rstrip("/")
        self._transport = transport
        self._user_agent = f"centra-engage-bridge/{__version__} {user_agent}".strip()

    @functools.cached_property
    def http(self) -> httpx.Client:
        """Created on the first request, not at cold start: its TLS context loads the CA bundle (bench
        ``cold_import``)."""
        return httpx.Client(
            base_url=self._base_url,
            transport=self._transport,
            headers={
                "User-Agent": self._user_agent,
                # Engage answers 500 to any request without it, GET included (Voyado, API authentication).
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            limits=httpx.Limits(max_connections=10, max_keepalive_connections=10),
            follow_redirects=False,
            event_hooks={"request": [self._slot_still_open]},
        )

    def _slot_still_open(self, request: httpx.Request) -> None:
        """httpx calls this as it hands the built request to the transport: the last moment the bridge controls."""
        if self._rate_limiter is not None and not self._rate_limiter.may_send():
            raise _SlotMissed

    def close(self) -> None:
        if "http" in self.__dict__:  # never created: nothing to close
            self.http.close()

    @property
    def rate_limiter(self) -> RateLimiter | None:
        return self._rate_limiter

    def set_rate_limiter(self, rate_limiter: RateLimiter | None) -> None:
        self._rate_limiter = rate_limiter

    def send[T](self, call: Call, verify: Callable[[], T | None] | None = None) -> httpx.Response | Verified[T]:
        """Send ``call`` with retries. ``verify`` looks for the effect of an unanswered non-idempotent attempt."""
        content = None if call.body is None else json.dumps(call.body, separators=(",", ":")).encode()
        ambiguous = False  # an earlier attempt may have taken effect
        attempt = 0
        while True:
            attempt += 1
            if ambiguous and verify is not None:
                found = verify()
                if found is not None:
                    self._logger.info("engage effect found, not resending", extra=_fields(call, attempt))
                    return Verified(found)
            try:
                return self._attempt(call, content, attempt)
            except EngageRetryableError as error:
                error.earlier_attempt_maybe_applied = ambiguous
                ambiguous = ambiguous or error.maybe_applied
                delay = self._delay_before_retry(call, error, attempt, ambiguous, verify is not None)
                if delay is None:
                    raise
                self._logger.warning(
                    "engage call will be retried",
                    extra=_fields(call, attempt, status=error.status, delay_s=round(delay, 3)),
                )
                self._sleep(delay)
            except EngageError as error:
                error.earlier_attempt_maybe_applied = ambiguous
                raise

    def _delay_before_retry(
        self, call: Call, error: EngageRetryableError, attempt: int, ambiguous: bool, can_verify: bool
    ) -> float | None:
        if ambiguous and not call.idempotent and not can_verify:
            return None  # resending could double the effect and nothing can check it first
        delay = self._retry.delay_before_retry(attempt, error.retry_after)
        if delay is None or not self.deadline.allows_sleep(delay, self._retry.deadline_reserve):
            return None
        return delay

    def _attempt(self, call: Call, content: bytes | None, attempt: int) -> httpx.Response:
        timeout = self.deadline.cap(call.timeout, _REQUEST_RESERVE_S)
        if timeout < _MIN_USEFUL_TIMEOUT_S:
            raise EngageRetryableError(
                call.method, call.template, None, None, maybe_applied=False, detail="no time left in invocation"
            )
        # The key (a secret read on first use) and the client (its CA bundle) are ready before the slot is taken:
        # a slot is a moment to send in, and a request that reaches Engage a slot late can put one request more
        # than the budget into a sliding second.
        self._refresh_api_key()
        http = self.http
        for _ in range(_SLOT_TRIES):
            if self._rate_limiter is not None:
                self._rate_limiter.acquire()
            started = time.perf_counter()
            try:
                response = http.request(
                    call.method,
                    call.path,
                    params=call.params,
                    content=content,
                    timeout=httpx.Timeout(timeout, connect=min(self._connect_timeout, timeout)),
                )
            except _SlotMissed:
                continue  # nothing went out: a request sent after its slot could exceed the budget
            except httpx.HTTPError as exc:
                latency_ms = self._latency_ms(started)
                maybe_applied = not isinstance(exc, _NOT_SENT)
                self._logger.warning(
                    "engage call failed without an answer",
                    extra=_fields(call, attempt, latency_ms=latency_ms, failure=type(exc).__name__),
                )
                raise EngageRetryableError(
                    call.method, call.template, None, None, maybe_applied=maybe_applied, detail=type(exc).__name__
                ) from None
            break
        else:
            raise EngageRetryableError(
                call.method, call.template, None, None, maybe_applied=False, detail="engage budget slots missed"
            )
        latency_ms = self._latency_ms(started)
        error = classify(call, response)
        # DEBUG (sampled): every call is in EngageLatency, and what a refusal does to its record (retried,
        # dead-lettered) is logged once by the consumer, with the error.
        self._logger.debug(
            "engage call",
            extra=_fields(
                call, attempt, status=response.status_code, latency_ms=latency_ms, error_code=error and error.error_code
            ),
        )
        if error is not None:
            raise error
        return response

    def _latency_ms(self, started: float) -> float:
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        if self._observe_latency is not None:
            self._observe_latency(latency_ms)
        return latency_ms

    def _refresh_api_key(self) -> None:
        key = self._api_key if isinstance(self._api_key, str) else self._api_key()
        if key != self._key_in_headers:  # the provider caches; headers change only on rotation
            self.http.headers["apikey"] = key
            self._key_in_headers = key


def classify(call: Call, response: httpx.Response) -> EngageError | None:
    """The typed outcome of an answer, or None for a 2xx."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    body = _json_object(response)
    code = _text(body.get("errorCode")) or _text(body.get("code"))
    message = _text(body.get("message"))
    method, path = call.method, call.template
    error: EngageError
    if status in (400, 422):
        error = EngageValidationError(method, path, status, code, issues=_issues(body), message=message)
    elif status in (401, 403):
        error = EngageUnauthorized(method, path, status, code)
    elif status == 404:
        error = EngageNotFound(method, path, status, code)
    elif status == 409:
        error = EngageConflict(method, path, code, _matches(body), message, existing_id=_existing_id(body))
    elif status in (408, 429) or status >= 500:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        maybe_applied = status in _MAYBE_APPLIED_STATUSES
        error = EngageRetryableError(method, path, status, code, maybe_applied=maybe_applied, retry_after=retry_after)
    else:
        error = EngageUnexpectedResponse(method, path, status, code)
    return error


def _fields(call: Call, attempt: int, **extra: object) -> dict[str, object]:
    fields: dict[str, object] = {"engage_method": call.method, "engage_path": call.template, "attempt": attempt}
    fields.update({key: value for key, value in extra.items() if value is not None})
    return fields


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _text(value: object) -> str | None:
    return scrub(value) if isinstance(value, str) and value else None


def _issues(body: Mapping[str, Any]) -> tuple[ValidationIssue, ...]:
    raw = body.get("validationErrors")
    if not isinstance(raw, list):
        return ()
    return tuple(
        ValidationIssue(
            code=str(item.get("validationErrorCode") or ""),
            field=str(item.get("field") or ""),
            description=scrub(str(item.get("errorDescription") or "")),
        )
        for item in raw
        if isinstance(item, dict)
    )


def _existing_id(body: Mapping[str, Any]) -> str | None:
    """The contact a 409 on create names, if any (the v2 Swagger: a create for an existing key returns its id)."""
    for key in ("id", "contactId"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _matches(body: Mapping[str, Any]) -> tuple[str, ...]:
    details = body.get("messageDetails")
    found = details.get("multipleMatchesFound") if isinstance(details, dict) else None
    return tuple(str(item) for item in found) if isinstance(found, list) else ()
