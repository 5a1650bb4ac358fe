"""A token bucket that keeps one container within its share of the per-API-key budget.

Voyado counts requests per API key: stay under 50/s, 429 above 200/s. The whole stack's budget is
``EngageRequestsPerSecond`` (a stack parameter); each container gets that divided by how many containers may call Engage
at once (the SQS event sources' ``MaximumConcurrency``), so the sum never exceeds the budget.
"""

import threading
import time
from collections.abc import Callable

_EPSILON = 1e-9


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` stored. ``acquire`` blocks until a token is free."""

    def __init__(
        self,
        rate: float,
        burst: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = burst
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping as long as needed; return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                # Float rounding can leave 0.999...; a sleep of 1e-17 s would not move the clock.
                if self._tokens >= 1.0 - _EPSILON:
                    self._tokens = max(0.0, self._tokens - 1.0)
                    return waited
                shortfall = (1.0 - self._tokens) / self.rate
            self._sleep(shortfall)
            waited += shortfall


def container_share(requests_per_second: float, concurrent_containers: int) -> float:
    """This container's rate when ``concurrent_containers`` share one budget."""
    if concurrent_containers < 1:
        raise ValueError("concurrent_containers must be >= 1")
    return requests_per_second / concurrent_containers
