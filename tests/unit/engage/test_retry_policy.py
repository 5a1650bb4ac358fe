"""Backoff with full jitter, Retry-After parsing, and the Lambda deadline."""

import random
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from engage_bridge.engage.retry import Deadline, RetryPolicy, parse_retry_after

NOW = datetime(2026, 1, 5, 12, 0, 0, tzinfo=UTC)


@given(retry_number=st.integers(min_value=1, max_value=30), seed=st.integers(min_value=0, max_value=2**32))
def test_full_jitter_stays_between_zero_and_the_capped_exponential(retry_number: int, seed: int) -> None:
    policy = RetryPolicy(base_delay=0.25, max_delay=4.0, rng=random.Random(seed))
    ceiling = min(4.0, 0.25 * 2 ** (retry_number - 1))
    assert 0.0 <= policy.backoff(retry_number) <= ceiling


def test_jitter_spreads_delays_instead_of_repeating_one_value() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=1.0, rng=random.Random(7))
    delays = {round(policy.backoff(1), 6) for _ in range(50)}
    assert len(delays) > 40


def test_no_delay_once_the_attempts_are_used_up() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert policy.delay_before_retry(2, None) is not None
    assert policy.delay_before_retry(3, None) is None


def test_retry_after_is_used_as_is_unless_it_is_too_long_for_a_lambda() -> None:
    policy = RetryPolicy(max_retry_after=10.0)
    assert policy.delay_before_retry(1, 2.0) == 2.0
    assert policy.delay_before_retry(1, 30.0) is None  # the queue's redelivery waits instead


def test_retry_after_in_seconds() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after("-4") == 0.0


def test_retry_after_as_http_date() -> None:
    assert parse_retry_after("Mon, 05 Jan 2026 12:00:30 GMT", now=lambda: NOW) == 30.0
    assert parse_retry_after("Mon, 05 Jan 2026 11:59:00 GMT", now=lambda: NOW) == 0.0


def test_unreadable_or_missing_retry_after_is_ignored() -> None:
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("soon") is None


def test_deadline_refuses_a_sleep_that_would_outlast_the_invocation() -> None:
    deadline = Deadline(lambda: 2_000)
    assert deadline.allows_sleep(0.5, reserve=1.0)
    assert not deadline.allows_sleep(1.5, reserve=1.0)
    assert Deadline(None).allows_sleep(3600, reserve=1.0)


def test_deadline_caps_a_request_timeout_to_the_time_left() -> None:
    assert Deadline(lambda: 10_000).cap(60.0, reserve=0.5) == 9.5
    assert Deadline(lambda: 100).cap(60.0, reserve=0.5) == 0.0
    assert Deadline(None).cap(60.0, reserve=0.5) == 60.0


def test_policies_with_the_same_figures_are_equal_whatever_their_random_source() -> None:
    seeded, other = RetryPolicy(max_attempts=2, rng=random.Random(1)), RetryPolicy(max_attempts=2, rng=random.Random(2))

    assert seeded == other
    assert hash(seeded) == hash(other)
    assert seeded != RetryPolicy(max_attempts=3, rng=seeded.rng)
    assert repr(seeded) == (
        "RetryPolicy(max_attempts=2, base_delay=0.25, max_delay=4.0, max_retry_after=10.0, deadline_reserve=1.0)"
    )
