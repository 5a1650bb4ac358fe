"""Optional request-count limit, answered the way Centra documents it: 429 with ``Retry-After`` holding the
Unix *timestamp* at which requests may resume (not a number of seconds)."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    requests: int  # per window and per token, like Centra's REQUEST_COUNT bucket
    window_seconds: int = 10


class RequestCounter:
    """Fixed windows per token. ``check`` returns ``None`` when allowed, else the resume timestamp."""

    def __init__(self, limit: RateLimit, clock: Callable[[], float]) -> None:
        self._limit = limit
        self._clock = clock
        self._windows: dict[str, tuple[int, int]] = {}  # token -> (window start, requests in it)

    def check(self, token: str) -> int | None:
        now = int(self._clock())
        start = now - now % self._limit.window_seconds
        window_start, used = self._windows.get(token, (start, 0))
        if window_start != start:
            used = 0
        if used >= self._limit.requests:
            return start + self._limit.window_seconds
        self._windows[token] = (start, used + 1)
        return None
