"""The in-process retry policy: a few quick retries, then the queue's redelivery is the slow retry.

Voyado's retry advice (wait for an answer, retry late, verify a POST with a GET first) fits a queue better
than a loop, so the loop here is short: exponential backoff with full jitter (AWS Architecture Blog,
"Exponential Backoff And Jitter"), ``Retry-After`` honoured when Engage sends one, and never a sleep that
would outlast the Lambda invocation.
"""

import random
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from msgspec import Struct, field


class RetryPolicy(Struct, frozen=True):
    """How many attempts per call and how long to wait between them (seconds)."""

    max_attempts: int = 3
    base_delay: float = 0.25
    max_delay: float = 4.0
    # A Retry-After longer than this is left to the queue: sleeping a minute in a Lambda costs money.
    max_retry_after: float = 10.0
    # Time kept free after a sleep for the next attempt and the handler's own wrap-up.
    deadline_reserve: float = 1.0
    rng: random.Random = field(default_factory=random.Random)

    # Policies with the same figures are equal whatever their random source, which no repr shows (a Struct
    # compares and shows every field: these keep the dataclass's ``compare=False, repr=False`` on ``rng``).
    def _figures(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__struct_fields__ if name != "rng"}

    def __eq__(self, other: object) -> bool:
        if type(other) is not RetryPolicy:
            return NotImplemented
        return self._figures() == other._figures()

    def __hash__(self) -> int:
        return hash(tuple(self._figures().values()))

    def __repr__(self) -> str:
        return f"RetryPolicy({', '.join(f'{name}={value!r}' for name, value in self._figures().items())})"

    def backoff(self, retry_number: int) -> float:
        """Full jitter: uniform in [0, min(max_delay, base_delay * 2**(retry_number - 1))]."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry_number - 1))
        return self.rng.uniform(0.0, ceiling)

    def delay_before_retry(self, retry_number: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry ``retry_number`` (1-based), or None when the caller should give up."""
        if retry_number >= self.max_attempts:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        return self.backoff(retry_number)


def parse_retry_after(value: str | None, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP-date (RFC 9110 section 10.2.3)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # HTTP-dates are GMT by definition
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())


class Deadline:
    """The time left in the current Lambda invocation, from ``context.get_remaining_time_in_millis``."""

    def __init__(self, remaining_time_ms: Callable[[], int] | None) -> None:
        self._remaining_time_ms = remaining_time_ms

    def remaining(self) -> float | None:
        """Seconds left, or None outside Lambda (no deadline)."""
        return None if self._remaining_time_ms is None else self._remaining_time_ms() / 1000.0

    def allows_sleep(self, seconds: float, reserve: float) -> bool:
        remaining = self.remaining()
        return remaining is None or seconds + reserve < remaining

    def cap(self, timeout: float, reserve: float) -> float:
        """A request timeout that ends before the invocation does (at least 0)."""
        remaining = self.remaining()
        return timeout if remaining is None else max(0.0, min(timeout, remaining - reserve))
