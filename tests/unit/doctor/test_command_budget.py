"""``engage-bridge doctor`` leases its Engage GETs from the deployed stack's budget (moto), or says why not."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from moto import mock_aws

from engage_bridge.doctor.transport import HttpEngage
from engage_bridge.engage.budget import BUDGET_PK
from engage_bridge_tools.cli import main
from engage_bridge_tools.doctor import command
from tests.aws import create_state_table
from tests.unit.doctor.test_engage_checks import ScriptedEngage

STAGING = "https://brand.staging.voyado.com"
CONFIG = {
    "engage": {"base_url": STAGING, "api_key_secret": "k"},
    "store_external_id": "brand.com",
    "contact_types": {"member": "Member"},
    "default_language": "sv-SE",
}


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENGAGE_API_KEY", "key")
    path = tmp_path / "brand.json"
    path.write_text(json.dumps(CONFIG), encoding="utf-8")
    return path


@pytest.fixture
def tenant(monkeypatch: pytest.MonkeyPatch) -> ScriptedEngage:
    """The doctor's real HttpEngage (its pace hook included), answered by a scripted tenant instead of a socket."""
    scripted = ScriptedEngage()

    def answer(request: httpx.Request) -> httpx.Response:
        found = scripted.get(request.url.path, dict(request.url.params))
        return httpx.Response(found.status, json=found.body)

    def engage(*args: Any, **kwargs: Any) -> HttpEngage:
        return HttpEngage(*args, transport=httpx.MockTransport(answer), **kwargs)

    monkeypatch.setattr(command, "HttpEngage", engage)
    return scripted


@pytest.fixture
def aws() -> Iterator[Any]:
    """A deployed stack in moto: its state table, its output StateTableName and parameter EngageRequestsPerSecond."""
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        create_state_table(dynamodb)
        template = {
            "Parameters": {"EngageRequestsPerSecond": {"Type": "Number", "Default": 40}},
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {"StateTableName": {"Value": "state"}},
        }
        boto3.client("cloudformation").create_stack(StackName="bridge-prod", TemplateBody=json.dumps(template))
        yield dynamodb


def _doctor(config: Path, *extra: str) -> int:
    return main(["doctor", "--config", str(config), "--skip", "centra", *extra])


def test_with_the_stack_every_get_leases_from_its_budget_first(
    config_file: Path, tenant: ScriptedEngage, aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _doctor(config_file, "--stack", "bridge-prod")

    assert code == 0, capsys.readouterr()
    assert capsys.readouterr().err == ""
    items = [item for item in aws.scan(TableName="state")["Items"] if item["pk"]["S"] == BUDGET_PK]
    booked = sum(int(value["N"]) for item in items for name, value in item.items() if name[1:].isdigit())
    assert tenant.sent  # the doctor sent its GETs...
    assert booked >= len(tenant.sent)  # ...each in a slot it booked on the functions' counters


def test_a_deployed_engage_without_stack_is_refused_in_one_line_before_any_request(
    config_file: Path, tenant: ScriptedEngage, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _doctor(config_file)

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1
    assert err[0].startswith(f"engage-bridge doctor: {STAGING}/ is not on this machine")
    assert "--stack NAME" in err[0] and "--outside-budget" in err[0]
    assert tenant.sent == []


def test_a_state_table_that_cannot_be_read_refuses_before_any_request(
    config_file: Path, tenant: ScriptedEngage, aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.delete_table(TableName="state")

    code = _doctor(config_file, "--stack", "bridge-prod")

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("engage-bridge doctor: AWS refused GetItem: ResourceNotFoundException")
    assert tenant.sent == []


def test_a_stack_that_is_not_there_is_one_line(
    config_file: Path, tenant: ScriptedEngage, aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _doctor(config_file, "--stack", "bridge-typo")

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "stack not found" in err[0]
    assert tenant.sent == []


def test_outside_the_budget_sends_with_one_warning_and_no_aws(
    config_file: Path, tenant: ScriptedEngage, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _doctor(config_file, "--outside-budget")

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 0
    assert err == [
        f"engage-bridge doctor: warning: sending to {STAGING}/ outside the stack's Engage budget; "
        "while the stack is busy a second may hold more than its budget"
    ]
    assert tenant.sent


def test_the_sandbox_on_this_machine_needs_neither(
    config_file: Path, tenant: ScriptedEngage, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _doctor(config_file, "--engage-url", "http://127.0.0.1:8631")

    assert code == 0
    assert capsys.readouterr().err == ""
    assert tenant.sent


def test_a_budget_outside_the_stack_parameter_s_bounds_is_a_usage_error(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        _doctor(config_file, "--stack", "bridge-prod", "--engage-requests-per-second", "60")

    assert exit_.value.code == 2
    assert "outside 2 to 50" in capsys.readouterr().err
