"""The daily go-live preflight in the template: schedule, least privilege, the alarm on the metric it publishes."""

import ast
from pathlib import Path
from typing import Any

from engage_bridge.doctor.entry import DoctorEnvironment
from engage_bridge.engage.budget import BUDGET_PK
from tests.infrastructure.conftest import sam_template
from tests.infrastructure.test_back_in_stock_resources import _credentials

REPO = Path(__file__).resolve().parents[2]
ENTRY = REPO / "layers/common/engage_bridge/doctor/entry.py"


def _actions(role: dict[str, Any]) -> dict[str, list[Any]]:
    """Each allowed action of a role and the resources it is allowed on."""
    allowed: dict[str, list[Any]] = {}
    for policy in role["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            for action in actions:
                allowed.setdefault(action, []).append(statement["Resource"])
    return allowed


def test_the_doctor_runs_daily_on_a_cron_schedule_from_a_parameter(cfn: dict[str, Any]) -> None:
    rule = cfn["Resources"]["DoctorFunctionSchedule"]["Properties"]
    default = sam_template()["Parameters"]["DoctorSchedule"]["Default"]
    invoke = cfn["Resources"]["DoctorFunctionEventInvokeConfig"]["Properties"]

    assert rule["ScheduleExpression"] == {"Ref": "DoctorSchedule"}
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": ["DoctorFunction", "Arn"]}
    # A run that never started or failed twice is recorded, as for the poller and the reconciliation.
    assert rule["Targets"][0]["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["DoctorFailureQueue", "Arn"]}}
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["DoctorFailureQueue", "Arn"]}
    assert default.startswith("cron(") and default.endswith(" * * ? *)")  # every day


def test_the_doctor_may_read_the_configuration_and_two_secrets_and_lease_the_budget_and_nothing_else(
    cfn: dict[str, Any],
) -> None:
    role = cfn["Resources"]["DoctorFunctionRole"]
    allowed = _actions(role)
    budget = [
        statement
        for policy in role["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        if "dynamodb:UpdateItem" in statement["Action"]
    ]
    assert (
        allowed.pop("dynamodb:GetItem") == allowed.pop("dynamodb:UpdateItem") == [{"Fn::GetAtt": ["StateTable", "Arn"]}]
    )
    # Only the budget's counters (engage_bridge.engage.budget.BUDGET_PK), not the ledger, marks or consent.
    assert [s["Condition"] for s in budget] == [{"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [BUDGET_PK]}}]
    failure_records = allowed.pop("sqs:SendMessage")  # SAM's policy for the OnFailure destination
    parameters = allowed.pop("ssm:GetParameter")
    allowed.pop("ssm:GetParameters")
    allowed.pop("ssm:GetParametersByPath")
    allowed.pop("ssm:DescribeParameters")  # SAM's SSMParameterReadPolicy lists parameter names, not values

    assert allowed == {}  # no other DynamoDB item, S3, handler queue or write of any other kind
    assert failure_records == [{"Fn::GetAtt": ["DoctorFailureQueue", "Arn"]}]
    assert _credentials(cfn["Resources"]["DoctorFunctionRole"]) == {"CentraTokenReadPolicy", "EngageApiKeyReadPolicy"}
    assert "BrandConfigParameterName" in str(parameters)


def test_the_doctor_is_given_every_variable_its_entry_reads(cfn: dict[str, Any]) -> None:
    variables = cfn["Resources"]["DoctorFunction"]["Properties"]["Environment"]["Variables"]
    read = {field.alias for field in DoctorEnvironment.model_fields.values()}

    assert read <= set(variables)
    assert variables["POWERTOOLS_SERVICE_NAME"] == "doctor"
    assert variables["CENTRA_GRAPHQL_URL"] == {"Ref": "CentraGraphqlUrl"}
    assert variables["CENTRA_TOKEN_SECRET"] == {"Ref": "CentraTokenSecretName"}
    assert variables["ENGAGE_API_KEY_SECRET"] == {"Ref": "EngageApiKeySecretName"}
    assert "BRAND_CONFIG_PARAMETER" in variables
    assert variables["ENGAGE_PRIORITY"] == "backfill"  # its GETs lease the shared budget, last in line


def _published_metrics() -> set[str]:
    tree = ast.parse(ENTRY.read_text(encoding="utf-8"))
    return {
        keyword.value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg == "name" and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str)
    }


def test_the_alarm_watches_the_failed_checks_the_doctor_publishes_and_holds_for_a_day(cfn: dict[str, Any]) -> None:
    alarm = cfn["Resources"]["DoctorCheckFailedAlarm"]["Properties"]

    assert alarm["MetricName"] in _published_metrics()
    assert alarm["MetricName"] == "DoctorChecksFailed"
    # The stack's one metric dimension (observability.bind): a service dimension would match no data point.
    assert alarm["Dimensions"] == [{"Name": "environment", "Value": {"Ref": "EnvironmentName"}}]
    assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["Period"] * alarm["EvaluationPeriods"] == 86400
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert alarm["TreatMissingData"] == "notBreaching"
