"""Invocation time: an invocation's AWS calls, sleeps and HTTP requests are counted in its own thread only."""

import sys
import threading
import time
import types
from collections.abc import Callable, Iterator

import boto3
import httpx
import pytest
from moto import mock_aws

from engage_bridge_tools.local import invocation_time
from engage_bridge_tools.local.invocation_time import InvocationClock, TimeShares, measure


def _nap(seconds: float, sleep: Callable[[float], None] = time.sleep) -> None:
    sleep(seconds)


@pytest.fixture
def session() -> boto3.Session:
    return boto3.Session(region_name="eu-north-1", aws_access_key_id="test", aws_secret_access_key="test")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, session: boto3.Session) -> Iterator[InvocationClock]:
    # A layer module whose default was bound before the clock was installed (as the budget's `sleep=time.sleep`).
    module = types.ModuleType("engage_bridge._clock_probe")
    module.nap = _nap  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    with mock_aws():
        installed = InvocationClock()
        installed.install(session)
        try:
            yield installed
        finally:
            installed.uninstall()


def test_sleeps_and_aws_calls_inside_an_invocation_are_counted(clock: InvocationClock, session: boto3.Session) -> None:
    dynamodb = session.client("dynamodb")
    with measure() as shares:
        _nap(0.001)
        dynamodb.list_tables()
        dynamodb.list_tables()

    assert shares.sleeps == 1 and set(shares.slept_by) == {"_nap"}
    assert shares.aws_calls == {"dynamodb": 2}
    assert shares.wall_ms >= shares.slept_ms > 0


def test_nothing_is_counted_outside_an_invocation_or_in_another_thread(
    clock: InvocationClock, session: boto3.Session
) -> None:
    dynamodb = session.client("dynamodb")
    with measure() as shares:

        def elsewhere() -> None:
            _nap(0.001)
            dynamodb.list_tables()

        other = threading.Thread(target=elsewhere)
        other.start()
        other.join()
    _nap(0.001)

    assert shares.sleeps == 0 and not shares.aws_calls


def test_uninstall_gives_back_the_original_sleep(session: boto3.Session) -> None:
    original = time.sleep
    clock = InvocationClock()
    clock.install(session)
    assert time.sleep is not original
    clock.uninstall()

    assert time.sleep is original and _nap.__defaults__ == (original,)


def test_waiting_is_the_wall_time_no_measured_part_explains() -> None:
    shares = TimeShares(wall_ms=1000.0, cpu_ms=130.0, aws_ms=300.0, aws_cpu_ms=80.0, http_ms=200.0, http_cpu_ms=10.0)
    shares.slept_ms = 250.0

    assert shares.own_cpu_ms == 40.0
    assert shares.waiting_ms == 1000.0 - 40.0 - 300.0 - 200.0 - 250.0
    total = TimeShares()
    total.add(shares)
    total.add(shares)
    assert total.as_dict()["waiting_ms"] == 2 * shares.waiting_ms


def test_requests_are_stamped_as_they_are_handed_to_the_transport_and_only_in_an_invocation(
    clock: InvocationClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(invocation_time, "_ORIGINAL_SEND", lambda transport, request: httpx.Response(200))  # no socket
    clock.name("http://127.0.0.1:9", "engage")
    transport = httpx.HTTPTransport()
    request = httpx.Request("GET", "http://127.0.0.1:9/api/v3/contacts/id")
    before = time.monotonic()
    with measure():
        transport.handle_request(request)
    transport.handle_request(request)  # outside an invocation: the harness's own request, not the bridge's

    assert len(clock.sent_at("engage")) == 1
    assert before <= clock.sent_at("engage")[0] <= time.monotonic()
