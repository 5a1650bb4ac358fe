"""Test-wide guards: fake AWS credentials, and no sockets outside integration tests."""

from collections.abc import Iterator

# Loaded before any test blocks sockets or times itself: the X-Ray SDK (Powertools Tracer) opens its UDP emitter
# at import, and modules now import only what they use, so a test may be the first to load it; libphonenumber is
# imported by ``mapping.phones`` on first use, and a property-based test's first example must not pay for it.
import phonenumbers  # noqa: F401
import pytest
from hypothesis import settings
from pytest_socket import disable_socket, enable_socket, socket_allow_hosts

import engage_bridge.observability  # noqa: F401

# Per-example deadlines time the machine, not the code: on CI's shared 2 cores a pause failed a mapping property
# (DeadlineExceeded) that passes everywhere else. Performance is measured by `make bench`, never by timed asserts.
settings.register_profile("untimed", deadline=None)
settings.load_profile("untimed")


@pytest.fixture(autouse=True)
def _fake_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Never let a test find real credentials on a developer machine.
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-north-1",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_METRICS_NAMESPACE": "CentraEngageBridgeTest",
        "POWERTOOLS_SERVICE_NAME": "centra-engage-bridge",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(autouse=True)
def _network_policy(request: pytest.FixtureRequest) -> Iterator[None]:
    """Unit tests open no sockets; integration tests may talk to loopback only."""
    if request.node.get_closest_marker("integration"):
        socket_allow_hosts(["127.0.0.1", "localhost", "::1"], allow_unix_socket=True)
    else:
        disable_socket(allow_unix_socket=True)
    yield
    enable_socket()
