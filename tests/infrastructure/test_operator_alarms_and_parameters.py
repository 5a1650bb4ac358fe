"""What stays silent without an alarm, and the deploy parameters an operator types (issue 19)."""

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.infrastructure.conftest import sam_template

REPO = Path(__file__).resolve().parents[2]


def _alarms(cfn: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in cfn["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}


@pytest.mark.parametrize("queue", ["PollerFailureQueue", "ReconcileFailureQueue", "EngageChangesFailureQueue"])
def test_the_poller_and_reconciliation_failure_queues_alarm_at_one_message(cfn: dict[str, Any], queue: str) -> None:
    [alarm] = [
        alarm
        for alarm in _alarms(cfn).values()
        if alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        and alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
    ]

    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_a_failed_or_unstarted_changes_feed_run_lands_in_its_failure_queue(cfn: dict[str, Any]) -> None:
    function = cfn["Resources"]["EngageChangesFunction"]["Properties"]
    rules = [r["Properties"] for r in cfn["Resources"].values() if r["Type"] == "AWS::Events::Rule"]
    [rule] = [r for r in rules if r["Targets"][0]["Arn"] == {"Fn::GetAtt": ["EngageChangesFunction", "Arn"]}]
    [invoke] = [
        r["Properties"]
        for r in cfn["Resources"].values()
        if r["Type"] == "AWS::Lambda::EventInvokeConfig"
        and r["Properties"]["FunctionName"] == {"Ref": "EngageChangesFunction"}
    ]

    failure_queue = {"Fn::GetAtt": ["EngageChangesFailureQueue", "Arn"]}
    assert function["Handler"] == "app.lambda_handler"
    assert rule["Targets"][0]["DeadLetterConfig"] == {"Arn": failure_queue}
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == failure_queue


def test_refused_webhooks_alarm_over_fifteen_minutes_on_what_the_webhook_function_counts(cfn: dict[str, Any]) -> None:
    alarm = _alarms(cfn)["WebhookRefusedAlarm"]
    webhook = cfn["Resources"]["CentraWebhookFunction"]["Properties"]["Environment"]["Variables"]

    assert (alarm["Namespace"], alarm["MetricName"]) == (webhook["POWERTOOLS_METRICS_NAMESPACE"], "WebhookRefusedTotal")
    # The stack's one metric dimension (observability.METRICS): the function's service is a log property.
    assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {"environment": {"Ref": "EnvironmentName"}}
    assert (alarm["Statistic"], alarm["Period"], alarm["EvaluationPeriods"]) == ("Sum", 900, 1)
    assert alarm["Threshold"] == {"Ref": "WebhookRefusalThreshold"}
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_the_dashboard_shows_the_failure_queues_and_refused_webhooks(cfn: dict[str, Any]) -> None:
    body, names = cfn["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    # The stock relay's lines are whole JSON fragments, empty when it is off (template parameter StockRelay).
    widgets = json.loads(re.sub(r"\$\{[^}]+\}", "x", re.sub(r"\$\{Stock(Q|DLQ|Fn)\}", "", body)))["widgets"]
    titles = [widget["properties"]["title"] for widget in widgets]
    metrics = json.dumps([widget["properties"].get("metrics") for widget in widgets])

    assert names["PollerFailureQ"] == {"Fn::GetAtt": ["PollerFailureQueue", "QueueName"]}
    assert names["ReconcileFailureQ"] == {"Fn::GetAtt": ["ReconcileFailureQueue", "QueueName"]}
    assert "${PollerFailureQ}" in body and "${ReconcileFailureQ}" in body
    assert '"WebhookRefusedTotal"' in metrics
    assert any("Refused webhooks" in title for title in titles)


# --- parameters -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("centra-engage-bridge/prod/brand-config", True),
        ("brand-config", True),
        ("/centra-engage-bridge/prod/brand-config", False),
        ("", False),
    ],
)
def test_the_brand_config_parameter_name_is_refused_with_a_leading_slash(name: str, allowed: bool) -> None:
    pattern = sam_template()["Parameters"]["BrandConfigParameterName"]["AllowedPattern"]

    assert (re.fullmatch(pattern, name) is not None) is allowed


def _evaluate(node: Any, parameters: dict[str, str]) -> Any:
    """The rule functions the template uses, as CloudFormation evaluates them before a deploy."""
    if isinstance(node, dict) and len(node) == 1:
        [(function, argument)] = node.items()
        if function == "Ref":
            return parameters[argument]
        if function == "Fn::Equals":
            left, right = (_evaluate(item, parameters) for item in argument)
            return left == right
        if function == "Fn::Not":
            return not _evaluate(argument[0], parameters)
        raise AssertionError(f"the test does not know {function}")
    return node


def _rules_pass(parameters: dict[str, str]) -> bool:
    defaults = {name: str(spec.get("Default", "")) for name, spec in sam_template()["Parameters"].items()}
    values = {**defaults, **parameters}
    for rule in sam_template()["Rules"].values():
        if "RuleCondition" in rule and not _evaluate(rule["RuleCondition"], values):
            continue
        if not all(_evaluate(assertion["Assert"], values) for assertion in rule["Assertions"]):
            return False
    return True


@pytest.mark.parametrize(
    ("environment", "alarm_email", "deploys"),
    [
        ("prod", "", False),
        ("prod", "alarms@brand.example", True),
        ("dev", "", True),
        ("local", "", True),
    ],
)
def test_prod_cannot_be_deployed_without_an_alarm_email(environment: str, alarm_email: str, deploys: bool) -> None:
    webhooks = {"EngageWebhookSecretName": "/brand/engage-webhook-secret"}  # the default's one feature credential

    assert _rules_pass({**webhooks, "EnvironmentName": environment, "AlarmEmail": alarm_email}) is deploys


FEATURE_OFF = {"EngagePreferenceWebhooks": "disabled"}


@pytest.mark.parametrize(
    ("parameters", "deploys"),
    [
        (FEATURE_OFF, True),  # every feature off: no feature credential needed
        ({}, False),  # the preference webhooks are on by default and need their secret
        ({"EngageWebhookSecretName": "/brand/engage-webhook-secret"}, True),
        ({**FEATURE_OFF, "ProductFeed": "enabled"}, False),
        ({**FEATURE_OFF, "ProductFeed": "enabled", "ProductFeedTokenSecretName": "/brand/feed-token"}, True),
        ({**FEATURE_OFF, "BackInStockSubscriptions": "enabled", "StorefrontProofSecretName": "/brand/proof"}, False),
        (
            {
                **FEATURE_OFF,
                "BackInStockSubscriptions": "enabled",
                "StorefrontProofSecretName": "/brand/proof",
                "ProductFeed": "enabled",
                "ProductFeedTokenSecretName": "/brand/feed-token",
            },
            True,
        ),
        ({**FEATURE_OFF, "StockRelay": "enabled"}, True),
    ],
)
def test_a_feature_switched_on_needs_its_credential_and_subscriptions_the_feed(
    parameters: dict[str, str], deploys: bool
) -> None:
    assert _rules_pass({"EnvironmentName": "dev", **parameters}) is deploys


def test_the_rules_survive_translation(cfn: dict[str, Any]) -> None:
    assert cfn["Rules"] == sam_template()["Rules"]


def _samconfig_overrides(environment: str) -> dict[str, str]:
    config = tomllib.loads((REPO / "samconfig.toml").read_text(encoding="utf-8"))
    overrides = config[environment]["deploy"]["parameters"]["parameter_overrides"]
    return dict(item.split("=", 1) for item in overrides)


@pytest.mark.parametrize("environment", ["default", "prod"])
def test_samconfig_names_only_template_parameters_and_every_required_one(environment: str) -> None:
    declared = sam_template()["Parameters"]
    overrides = _samconfig_overrides(environment)
    required = {name for name, spec in declared.items() if "Default" not in spec}

    assert set(overrides) <= set(declared)
    assert required <= set(overrides)
    assert not overrides["BrandConfigParameterName"].startswith("/")


def test_the_readme_deploy_steps_create_every_secret_and_parameter_prod_names() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    deploy = readme[readme.index("## Deploy to your AWS account") : readme.index("## Operate")]
    overrides = _samconfig_overrides("prod")

    for secret in ("EngageApiKeySecretName", "CentraTokenSecretName", "CentraWebhookSecretName"):
        # The documented default: SSM SecureString parameters (no monthly charge), named with their leading slash.
        assert overrides[secret].startswith("/"), secret
        assert f"aws ssm put-parameter --type SecureString --name {overrides[secret]} " in deploy, secret
    # SSM names a parameter with its leading slash; the stack parameter is the same name without it.
    assert f"aws ssm put-parameter --name /{overrides['BrandConfigParameterName']} " in deploy
