"""``engage-bridge reconcile --spot-check`` leases its Engage reads from the stack's budget (moto, no sockets)."""

import io
import json
from pathlib import Path
from typing import Any, Self

import boto3
import httpx
import pytest

from engage_bridge.engage.budget import BUDGET_PK
from engage_bridge.engage.client import EngageClient
from engage_bridge.reconcile.compare import Reconciliation
from engage_bridge_tools.cli import build_parser, main
from engage_bridge_tools.reconcile import command
from tests.unit.reconcile.test_ledger_and_spot_check import report_of

PRODUCTION = "https://brand.voyado.com"


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CENTRA_TOKEN", "token")
    monkeypatch.setenv("ENGAGE_API_KEY", "key")
    example = Path(__file__).resolve().parents[3] / "tools/engage_bridge_tools/data/brand.example.json"
    config = json.loads(example.read_text(encoding="utf-8"))
    config["engage"]["base_url"] = PRODUCTION
    path = tmp_path / "brand.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


@pytest.fixture
def engage_lookups(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Request]:
    """A window of three sent contacts (Centra's side as reconcile() found it), and Engage's answers to lookups."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json="contact-id")

    class Answered(EngageClient):
        @classmethod
        def from_config(cls, *args: Any, **kwargs: Any) -> Self:
            return super().from_config(*args, transport=httpx.MockTransport(answer), **kwargs)

    report, probes = report_of(3)
    monkeypatch.setattr(command, "reconcile", lambda *args, **kwargs: Reconciliation(report, probes))
    monkeypatch.setattr(command, "EngageClient", Answered)
    return seen


def _argv(config: Path, *extra: str) -> list[str]:
    return [
        "reconcile", "--since", "2026-11-22", "--until", "2026-11-23", "--config", str(config),
        "--table", "state", "--centra-url", "https://brand.centra.com/graphql", "--spot-check", "3", *extra,
    ]  # fmt: skip


def test_the_spot_check_leases_each_lookup_from_the_state_table(
    config_file: Path, engage_lookups: list[httpx.Request], dynamodb: Any
) -> None:
    out, err = io.StringIO(), io.StringIO()

    code = command.run(build_parser().parse_args(_argv(config_file)), out, err, session=boto3.session.Session())

    assert code == 0, err.getvalue()
    assert err.getvalue() == ""
    assert len(engage_lookups) == 3
    items = [item for item in dynamodb.scan(TableName="state")["Items"] if item["pk"]["S"] == BUDGET_PK]
    booked = sum(int(value["N"]) for item in items for name, value in item.items() if name[1:].isdigit())
    assert booked >= len(engage_lookups)


def test_a_state_table_that_cannot_be_read_refuses_before_centra_or_engage(
    config_file: Path, engage_lookups: list[httpx.Request], dynamodb: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    dynamodb.delete_table(TableName="state")

    code = main(_argv(config_file))

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1
    assert err[0].startswith("engage-bridge reconcile: AWS refused GetItem: ResourceNotFoundException")
    assert engage_lookups == []


def test_outside_the_budget_the_lookups_go_with_one_warning(
    config_file: Path, engage_lookups: list[httpx.Request], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(_argv(config_file, "--outside-budget"))

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 0
    assert len(err) == 1 and "outside the stack's Engage budget" in err[0]
    assert len(engage_lookups) == 3
