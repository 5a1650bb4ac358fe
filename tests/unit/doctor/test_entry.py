"""The scheduled doctor in Lambda: configuration checked at cold start, checks logged, failed ones counted."""

import json
from pathlib import Path

import pytest

from engage_bridge.doctor.entry import doctor_handler
from engage_bridge.doctor.report import TenantUnreachable
from engage_bridge.errors import ConfigError
from tests.lambda_support import lambda_context
from tests.unit.doctor.centra_support import ScriptedCentra, contract_schema
from tests.unit.doctor.test_engage_checks import ScriptedEngage

SECRET = "centra-engage-bridge/test/engage-api-key"
SCHEDULED = {"detail-type": "Scheduled Event", "time": "2026-12-07T05:15:00Z"}


def _environ(tmp_path: Path, secret: str = SECRET) -> dict[str, str]:
    config = {
        "engage": {"base_url": "https://brand.staging.voyado.com", "api_key_secret": secret},
        "store_external_id": "brand.com",
        "contact_types": {"member": "Member"},
        "default_language": "sv-SE",
    }
    path = tmp_path / "brand.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return {
        "POWERTOOLS_SERVICE_NAME": "doctor",
        "POWERTOOLS_METRICS_NAMESPACE": "CentraEngageBridge",
        "ENVIRONMENT_NAME": "test",
        "CENTRA_GRAPHQL_URL": "https://brand.centraqa.com/graphql",
        "CENTRA_TOKEN_SECRET": "centra-engage-bridge/test/centra-token",
        "ENGAGE_API_KEY_SECRET": SECRET,
        "STATE_TABLE_NAME": "state",
        "ENGAGE_REQUESTS_PER_SECOND": "40",
        "ENGAGE_PRIORITY": "backfill",
        "BRAND_CONFIG_FILE": str(path),
    }


def _metric_values(stdout: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in stdout.splitlines():
        if line.startswith("{") and "_aws" in line:
            blob = json.loads(line)
            for directive in blob["_aws"]["CloudWatchMetrics"]:
                # The stack's one metric dimension; the function is its log group's.
                assert {name for group in directive["Dimensions"] for name in group} == {"environment"}
                for metric in directive["Metrics"]:
                    value = blob[metric["Name"]]
                    values[metric["Name"]] = value[0] if isinstance(value, list) else value
    return values


def test_a_schema_change_is_counted_as_a_failed_check_and_logged_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    centra = ScriptedCentra(contract_schema(without=("NewsletterSubscription.isActive",)))
    handler = doctor_handler(_environ(tmp_path), readers=lambda: (centra, ScriptedEngage()))
    capsys.readouterr()

    result = handler(SCHEDULED, lambda_context())

    out = capsys.readouterr().out
    assert any(name.startswith("centra.document.") for name in result["failed"])
    assert _metric_values(out)["DoctorChecksFailed"] == len(result["failed"]) >= 1
    logged = [record.__dict__ for record in caplog.records if record.getMessage() == "doctor check"]
    assert any(entry["status"] == "FAIL" and "isActive" in entry["reason"] for entry in logged)


def test_a_clean_tenant_counts_no_failed_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    handler = doctor_handler(_environ(tmp_path), readers=lambda: (ScriptedCentra(contract_schema()), ScriptedEngage()))
    capsys.readouterr()

    result = handler(SCHEDULED, lambda_context())

    assert result["failed"] == []
    assert _metric_values(capsys.readouterr().out)["DoctorChecksFailed"] == 0


def test_an_unreachable_tenant_is_a_function_error(tmp_path: Path) -> None:
    class Down:
        def execute(self, document: str, variables: object = None) -> object:
            raise TenantUnreachable("Centra", "https://brand.centraqa.com/graphql: ConnectError")

    handler = doctor_handler(_environ(tmp_path), readers=lambda: (Down(), ScriptedEngage()))  # type: ignore[arg-type,return-value]

    with pytest.raises(TenantUnreachable):
        handler(SCHEDULED, lambda_context())


def test_a_configuration_naming_another_secret_fails_at_cold_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"engage\.api_key_secret"):
        doctor_handler(_environ(tmp_path, secret="some/other/secret"))
