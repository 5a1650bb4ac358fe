"""The client-side rate limiter, on a fake clock."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engage_bridge.engage.rate_limit import TokenBucket, container_share


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _grant_times(bucket: TokenBucket, clock: FakeClock, count: int, gaps: list[float]) -> list[float]:
    times = []
    for index in range(count):
        clock.now += gaps[index % len(gaps)]
        bucket.acquire()
        times.append(clock.now)
    return times


@given(
    rate=st.floats(min_value=1, max_value=200),
    burst=st.integers(min_value=1, max_value=5),
    gaps=st.lists(st.floats(min_value=0, max_value=0.05), min_size=1, max_size=10),
)
def test_no_one_second_window_ever_holds_more_than_rate_plus_burst(rate: float, burst: int, gaps: list[float]) -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate, burst, clock=clock, sleep=clock.sleep)
    times = _grant_times(bucket, clock, 300, gaps)
    for index, start in enumerate(times):
        in_window = sum(1 for moment in times[index:] if moment < start + 1.0)
        assert in_window <= rate + burst + 1e-9


def test_a_burst_is_served_at_once_then_requests_are_spaced() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, burst=2, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(4)]
    assert waits[:2] == [0.0, 0.0]
    assert waits[2] == pytest.approx(0.1)
    assert waits[3] == pytest.approx(0.1)


def test_idle_time_refills_no_more_than_the_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(5, burst=1, clock=clock, sleep=clock.sleep)
    bucket.acquire()
    clock.now += 60
    assert bucket.acquire() == 0.0
    assert bucket.acquire() == pytest.approx(0.2)


def test_containers_split_the_stack_budget() -> None:
    assert container_share(40, 4) == pytest.approx(10 / 1.05)  # whole requests, spaced for jitter (test_stack_budget)
    with pytest.raises(ValueError, match="concurrent_containers"):
        container_share(40, 0)
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(0)
