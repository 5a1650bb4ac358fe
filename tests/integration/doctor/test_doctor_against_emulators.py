"""``engage-bridge doctor`` over loopback against the Centra fake and the Engage sandbox, and the scheduled
function as template.yaml wires it (moto for Secrets Manager)."""

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from engage_bridge.centra.queries import ALL_DOCUMENTS
from engage_bridge.engage.budget import BUDGET_PK
from engage_bridge.ingress.event_types import INGEST_TYPES
from engage_bridge_tools.centra_fake.fake import DEFAULT_INTEGRATION, DEFAULT_TOKEN, CentraFake
from engage_bridge_tools.centra_fake.server import RunningCentraFake
from engage_bridge_tools.cli import main
from engage_bridge_tools.local.handlers import environment, load_handler
from engage_bridge_tools.local.template import functions, resolve_environment
from engage_bridge_tools.sandbox import EngageSandbox
from tests.aws import create_state_table
from tests.lambda_support import emitted_metrics, lambda_context

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
ENGAGE_SECRET = "centra-engage-bridge/test/engage-api-key"
CENTRA_SECRET = "centra-engage-bridge/test/centra-token"


@pytest.fixture
def sandbox() -> Iterator[EngageSandbox]:
    with EngageSandbox() as running:
        running.seed_contact("member", email="anna@example.com", firstName="Anna")
        yield running


def _fake(**options: Any) -> RunningCentraFake:
    return RunningCentraFake(CentraFake.from_file(**options))


@pytest.fixture
def config_file(tmp_path: Path, sandbox: EngageSandbox) -> Path:
    config = json.loads((REPO / "tools/engage_bridge_tools/data/brand.example.json").read_text(encoding="utf-8"))
    config["engage"].update(base_url=sandbox.base_url, api_key_secret=ENGAGE_SECRET)
    path = tmp_path / "brand.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def _doctor(
    config: Path,
    centra: RunningCentraFake,
    sandbox: EngageSandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, dict[str, dict[str, str]]]:
    """Run the command as an operator would, with --json; its exit code and checks by name."""
    monkeypatch.setenv("CENTRA_TOKEN", DEFAULT_TOKEN)
    monkeypatch.setenv("ENGAGE_API_KEY", sandbox.api_key)
    capsys.readouterr()
    code = main(["doctor", "--config", str(config), "--centra-url", centra.graphql_url, "--json"])
    report = json.loads(capsys.readouterr().out)
    return code, {check["check"]: check for check in report["checks"]}


def _listen_and_change(fake: CentraFake, *object_types: str) -> None:
    for object_type in object_types:
        fake.hub.set_listener(DEFAULT_INTEGRATION, object_type, None)
    fake.update_customer(1, {"firstName": "Anne"})


def test_every_check_passes_against_the_fake_and_the_sandbox(
    config_file: Path, sandbox: EngageSandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with _fake() as centra:
        _listen_and_change(centra.fake, *INGEST_TYPES)
        code, checks = _doctor(config_file, centra, sandbox, monkeypatch, capsys)
        refused = list(centra.fake.refused)

    assert [check for check in checks.values() if check["status"] == "FAIL"] == []
    assert code == 0
    assert refused == []  # the fake accepted every document the doctor sent
    for name in ALL_DOCUMENTS:
        assert checks[f"centra.document.{name}"]["status"] == "PASS", name
    assert checks["centra.events-enabled"]["status"] == "PASS"
    assert checks["centra.listeners"]["status"] == "PASS"
    for name in ("engage.api-key", "engage.contact-type.member", "engage.contact-read", "engage.contact-transactions"):
        assert checks[name]["status"] == "PASS", name
    assert checks["engage.order-status-tags"]["status"] == "CANNOT CHECK"
    assert not any(request["method"] != "GET" for request in sandbox.state()["requests"])


def test_a_fake_whose_schema_lacks_a_field_the_bridge_uses_is_named(
    config_file: Path, sandbox: EngageSandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with _fake(without=frozenset({"NewsletterSubscription.isActive"})) as centra:
        code, checks = _doctor(config_file, centra, sandbox, monkeypatch, capsys)

    failing = {name: check["reason"] for name, check in checks.items() if check["status"] == "FAIL"}
    assert code == 1
    assert failing
    assert all(name.startswith("centra.document.") for name in failing)
    assert all(
        "Cannot query field 'isActive' on type 'NewsletterSubscription'" in reason for reason in failing.values()
    )


def test_a_listener_the_bridge_never_sets_reveals_a_shared_integration_name(
    config_file: Path, sandbox: EngageSandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with _fake() as centra:
        _listen_and_change(centra.fake, "Customer", "Warehouse")
        code, checks = _doctor(config_file, centra, sandbox, monkeypatch, capsys)

    assert code == 1
    assert checks["centra.listeners"]["status"] == "FAIL"
    assert "Warehouse" in checks["centra.listeners"]["reason"]


def test_a_tenant_that_cannot_be_reached_exits_2_with_one_line(
    config_file: Path, sandbox: EngageSandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on once this closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("CENTRA_TOKEN", DEFAULT_TOKEN)
    monkeypatch.setenv("ENGAGE_API_KEY", sandbox.api_key)

    code = main(["doctor", "--config", str(config_file), "--centra-url", f"http://127.0.0.1:{port}/graphql"])

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [f"error: Centra cannot be reached: http://127.0.0.1:{port}/graphql: ConnectError"]


def test_the_scheduled_function_from_the_template_counts_no_failed_check(
    config_file: Path, sandbox: EngageSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = functions()["doctor"]
    with _fake() as centra, mock_aws():
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        secrets = boto3.client("secretsmanager")
        secrets.create_secret(Name=ENGAGE_SECRET, SecretString=sandbox.api_key)
        secrets.create_secret(Name=CENTRA_SECRET, SecretString=DEFAULT_TOKEN)
        dynamodb = boto3.client("dynamodb")
        create_state_table(dynamodb)  # the shared Engage budget its GETs lease
        local = {
            "ENVIRONMENT_NAME": "test",
            "STATE_TABLE_NAME": "state",
            "ENGAGE_REQUESTS_PER_SECOND": "40",
            "BRAND_CONFIG_PARAMETER": "/unused",
            "CENTRA_GRAPHQL_URL": centra.graphql_url,
            "CENTRA_TOKEN_SECRET": CENTRA_SECRET,
            "ENGAGE_API_KEY_SECRET": ENGAGE_SECRET,
        }
        with environment({**resolve_environment(spec, local), "BRAND_CONFIG_FILE": str(config_file)}):
            handler = load_handler(spec)
        capsys.readouterr()

        result = handler({"detail-type": "Scheduled Event", "time": "2026-12-07T05:15:00Z"}, lambda_context())
        leased = dynamodb.query(
            TableName="state",
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": BUDGET_PK}},
        )["Items"]

    assert result["failed"] == []
    assert result["passed"] > len(ALL_DOCUMENTS)
    assert leased  # its Engage GETs took slots of the stack's budget
    assert ("DoctorChecksFailed", {"environment": "test"}) in emitted_metrics(capsys.readouterr().out)
