"""The stack's Engage budget holds in every sliding second when every container sends as fast as its share allows.

Found while building the soak's budget check (docs/soak.md): a token bucket refilling r tokens a second grants
ceil(r) requests within one second (the stored token, then one every 1/r s), so with the budget split into
fractional shares the containers together could exceed it — 12 containers at 40/12 = 3.33/s could send 48
requests within one second.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engage_bridge.engage.rate_limit import ARRIVAL_JITTER_MARGIN, TokenBucket, container_share
from engage_bridge_tools.local.engage_rate import peak_requests_per_second
from tests.unit.engage.test_token_bucket import FakeClock

SECONDS = 5.0


def _saturated_grants(rate: float, start: float) -> list[float]:
    """When a container always ready with its next request sends them (its own clock: buckets share nothing)."""
    clock = FakeClock()
    clock.now = start
    bucket = TokenBucket(rate, clock=clock, sleep=clock.sleep)
    grants = []
    while clock.now < start + SECONDS:
        bucket.acquire()
        grants.append(clock.now)
    return grants


def _stack_peak(budget: float, containers: int, offsets: list[float]) -> int:
    share = container_share(budget, containers)
    grants = [
        {"at": moment}
        for index in range(containers)
        for moment in _saturated_grants(share, offsets[index % len(offsets)])
    ]
    return peak_requests_per_second(grants)


def test_twelve_containers_at_the_default_budget_stay_within_it() -> None:
    assert _stack_peak(40, 12, [0.0]) <= 40


@given(
    budget=st.integers(min_value=12, max_value=50),
    containers=st.sampled_from([2, 4, 6, 12]),
    offsets=st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=12),
)
def test_no_sliding_second_holds_more_than_the_budget(budget: int, containers: int, offsets: list[float]) -> None:
    assert _stack_peak(budget, containers, offsets) <= budget


def test_a_share_is_a_whole_number_of_requests_per_second_spaced_for_jitter() -> None:
    widened = 1 + ARRIVAL_JITTER_MARGIN
    assert container_share(40, 12) == pytest.approx(3 / widened)
    assert container_share(40, 4) == pytest.approx(10 / widened)
    assert container_share(80, 12) == pytest.approx(6 / widened)  # the backfill's container: two shares
    assert container_share(6, 12) == 0.5  # below one request a second the containers bound a second, not the budget


def test_jitter_within_the_margin_cannot_squeeze_one_more_request_into_a_second() -> None:
    grants = _saturated_grants(container_share(40, 12), 0.0)
    squeezed = [{"at": moment * (1 - ARRIVAL_JITTER_MARGIN * 0.9)} for moment in grants]  # arrivals 4.5 % closer

    assert peak_requests_per_second(squeezed) == 3
