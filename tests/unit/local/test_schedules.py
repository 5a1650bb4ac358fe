"""The local runtime's schedules: scaled with every other wait, or at their deployed intervals (the cost bench)."""

from collections.abc import Iterator

import pytest
from moto import mock_aws

from engage_bridge_tools.local.runtime import LocalRuntime
from engage_bridge_tools.local.stack import LocalStack, ScheduleTrigger

POLLER = ScheduleTrigger("CentraEventsFunction", "poll", "rate(1 minute)", 60)


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with mock_aws():  # the runtime's SQS client: no queue is asked for here
        yield LocalStack("bench", {}, (), (POLLER,), (), {}, {}, {})


def test_schedules_are_scaled_by_default(stack: LocalStack) -> None:
    assert LocalRuntime(stack, time_scale=0.01).schedule_interval(POLLER) == pytest.approx(0.6)


def test_schedules_with_the_timing_as_deployed_keep_their_rate_whatever_the_time_scale(stack: LocalStack) -> None:
    runtime = LocalRuntime(stack, time_scale=0.01, timing_as_deployed=True)

    assert runtime.schedule_interval(POLLER) == 60
