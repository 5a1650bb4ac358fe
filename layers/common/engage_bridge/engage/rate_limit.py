"""A token bucket for one process's Engage requests: the operator's commands (reconcile spot checks, tests).

The deployed stack's functions share one budget through the state table instead (``engage.budget``).
``container_share`` is the static split they used before: kept for the benchmark's "before" figure.
"""

import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

_EPSILON = 1e-9
# Requests reach Engage with some jitter: spaced this much wider than 1/share, k + 1 of them never arrive within one
# second unless the network squeezes them by more than 5 % (50 ms at one request a second).
ARRIVAL_JITTER_MARGIN = 0.05


class RateLimiter(Protocol):
    """What the Engage session waits on before each request: this bucket, or the stack's shared budget."""

    def acquire(self) -> float: ...

    def may_send(self) -> bool:
        """Asked as the request acquired for is handed to the transport: False means its moment has passed (it is
        not sent; the caller acquires again)."""
        ...


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

    def may_send(self) -> bool:
        return True  # a token does not expire: the bucket spaces requests, it holds no moment to send in

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
    """This container's rate when ``concurrent_containers`` share one budget: at most a whole number of requests in
    any second.

    A bucket refilling r tokens a second grants ceil(r) requests within one second (its stored token, then one every
    1/r s), so fractional shares let the containers together exceed the budget in a sliding second: 12 containers at
    40/12 = 3.33/s can send 48 within one (found building the soak's budget check). The share is rounded down to
    whole requests k and spaced a little wider than 1/k (``ARRIVAL_JITTER_MARGIN``), so no second holds more than k
    of this container's requests and the sum stays within the budget, at the cost of the remainder (at most 36 of 40
    at the defaults). Below one request a second per container a sliding second can still hold one request from
    each container: the bound is then the number of containers, not the budget.
    """
    if concurrent_containers < 1:
        raise ValueError("concurrent_containers must be >= 1")
    share = requests_per_second / concurrent_containers
    if share < 1:
        return share
    return math.floor(share + _EPSILON) / (1 + ARRIVAL_JITTER_MARGIN)
