"""Operator errors that need a socket: an AWS endpoint or a tenant that does not answer, a port already taken.

Each is one line naming the problem and exit 2; for reconcile that matters most, because its exit 1 means drift
and a nightly job must not report an outage as drift.
"""

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from engage_bridge_tools.cli import main
from engage_bridge_tools.local.commands import EXAMPLE_CONFIG

pytestmark = pytest.mark.integration


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str], *problem: str) -> None:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith(f"engage-bridge {argv[0]}: ") and err.count("\n") == 1, err
    for words in problem:
        assert words in err, err


def test_reconcile_against_an_unreachable_stack(
    closed_port: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    argv = ["reconcile", "--since", "2026-01-01", "--stack", "centra-engage-bridge-prod"]
    one_line_exit_2(argv, capsys, "unreachable")


def test_reconcile_against_an_unreachable_centra_tenant(
    closed_port: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("CENTRA_TOKEN", "token")
    config = tmp_path / "brand.json"
    config.write_text(json.dumps(json.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))), encoding="utf-8")
    with mock_aws():
        argv = ["reconcile", "--since", "2026-01-01", "--until", "2026-01-02", "--config", str(config),
                "--table", "state", "--centra-url", f"http://127.0.0.1:{closed_port}/graphql"]  # fmt: skip
        one_line_exit_2(argv, capsys)


def test_sandbox_on_a_port_already_taken(taken_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    one_line_exit_2(["sandbox", "--port", str(taken_port)], capsys, "already in use")


def test_resend_against_an_unreachable_stack(
    closed_port: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    one_line_exit_2(["resend", "contact", "--stack", "prod", "--customer", "1"], capsys, "unreachable")
