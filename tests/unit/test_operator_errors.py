"""Every command answers an operator's mistake with one line naming it and exit 2, never a traceback.

Exit 1 keeps each command's documented meaning (reconcile: drift; replay: dead letters; resend: refused), so a
cron job never takes a missing credential for drift. The cases that need a socket (an unreachable endpoint, a
port in use) are in tests/integration/test_operator_errors_over_loopback.py.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from engage_bridge_tools.cli import main
from engage_bridge_tools.local.commands import EXAMPLE_CONFIG

BRAND = json.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))


def one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str], *problem: str) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    command = argv[0]
    assert code == 2, err
    assert err.startswith(f"engage-bridge {command}: "), err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for words in problem:
        assert words in err, err
    return err


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    boto3.DEFAULT_SESSION = None
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


@pytest.fixture
def empty_account() -> Iterator[None]:
    with mock_aws():
        yield


def brand_file(tmp_path: Path, **changes: object) -> Path:
    config = json.loads(json.dumps(BRAND))
    for dotted, value in changes.items():
        section, field = dotted.split("__")
        if value is None:
            del config[section][field]
        else:
            config[section][field] = value
    path = tmp_path / "brand.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


# --- without AWS credentials --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["backfill", "--stack", "centra-engage-bridge-prod", "--status"],
        ["reconcile", "--since", "2026-01-01", "--stack", "centra-engage-bridge-prod"],
        ["dlq", "list", "order_status", "--stack", "centra-engage-bridge-prod"],
        ["resend", "contact", "--stack", "centra-engage-bridge-prod", "--customer", "1"],
    ],
    ids=["backfill", "reconcile", "dlq", "resend"],
)
def test_no_aws_credentials(no_credentials: None, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    err = one_line_exit_2(argv, capsys)
    assert "credentials" in err.lower()


# --- a stack that is not there ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["backfill", "--stack", "no-such-stack", "--status"],
        ["reconcile", "--since", "2026-01-01", "--stack", "no-such-stack"],
        ["dlq", "list", "order_status", "--stack", "no-such-stack"],
        ["resend", "order-email", "--stack", "no-such-stack", "--order", "1001", "--status", "created"],
    ],
    ids=["backfill", "reconcile", "dlq", "resend"],
)
def test_stack_not_found(empty_account: None, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    one_line_exit_2(argv, capsys, "no-such-stack")


# --- invalid files and configuration -----------------------------------------------------------------------------


def test_local_serve_names_the_missing_field_before_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = brand_file(tmp_path, engage__api_key_secret=None)

    one_line_exit_2(["local", "serve", "--config", str(config), "--port", "0"], capsys, "engage.api_key_secret")


def test_local_serve_with_a_real_centra_needs_its_token_before_starting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CENTRA_TOKEN", raising=False)

    one_line_exit_2(
        ["local", "serve", "--centra-url", "https://brand.centraqa.com/graphql", "--port", "0"], capsys, "CENTRA_TOKEN"
    )


def test_local_invoke_refuses_an_event_that_is_not_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event = tmp_path / "event.json"
    event.write_text("{not json", encoding="utf-8")

    one_line_exit_2(["local", "invoke", "router", "--event", str(event)], capsys, str(event), "not valid JSON")


def test_local_invoke_refuses_an_invalid_configuration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = brand_file(tmp_path, engage__base_url="not a url")

    one_line_exit_2(
        ["local", "invoke", "router", "--event", "events/router.json", "--config", str(config)],
        capsys,
        "engage.base_url",
    )


def test_replay_names_a_missing_shop_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["replay", str(tmp_path / "missing.json"), "--config", str(EXAMPLE_CONFIG), "--requests-out", "x.jsonl"]

    one_line_exit_2(argv, capsys, "missing.json")


def test_map_names_a_missing_object_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one_line_exit_2(["map", "--config", str(EXAMPLE_CONFIG), str(tmp_path / "order.json")], capsys, "order.json")


def test_centra_fake_names_a_missing_shop_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one_line_exit_2(["centra-fake", "--shop", str(tmp_path / "shop.json"), "--check"], capsys, "shop.json")


def test_centra_fake_names_an_unknown_field_to_leave_out(capsys: pytest.CaptureFixture[str]) -> None:
    one_line_exit_2(["centra-fake", "--without", "Order.noSuchField"], capsys, "noSuchField")


@pytest.mark.parametrize("command", ["demo", "soak"])
def test_too_few_orders_is_an_operator_error(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    one_line_exit_2([command, "--orders", "3"], capsys, "orders")
