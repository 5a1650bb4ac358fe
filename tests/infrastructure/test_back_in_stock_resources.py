"""The back-in-stock subscription endpoint in the template: its route, least privilege, its cap on the Engage
budget, its variables and its alarm."""

from typing import Any

from engage_bridge.subscriptions.entry import SubscriptionEnvironment
from tests.infrastructure.conftest import sam_template

FUNCTION = "BackInStockSubscriptionFunction"


def _actions(role: dict[str, Any]) -> dict[str, list[Any]]:
    allowed: dict[str, list[Any]] = {}
    for policy in role["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            for action in actions:
                allowed.setdefault(action, []).append(statement["Resource"])
    return allowed


def _credentials(role: dict[str, Any]) -> set[str]:
    """The credential read policies (template.yaml, ``<name>ReadPolicy``) a role is given."""
    arns = role["Properties"].get("ManagedPolicyArns", [])
    return {arn["Ref"] for arn in arns if isinstance(arn, dict) and str(arn.get("Ref", "")).endswith("ReadPolicy")}


def test_the_storefront_posts_to_its_own_route_on_the_stacks_http_api() -> None:
    events = sam_template()["Resources"][FUNCTION]["Properties"]["Events"]

    [event] = events.values()
    assert event["Type"] == "HttpApi"
    assert event["Properties"] == {
        "ApiId": {"Ref": "WebhookApi"},
        "Method": "POST",
        "Path": "/back-in-stock/subscriptions",
    }
    outputs = sam_template()["Outputs"]
    assert "/back-in-stock/subscriptions" in str(outputs["BackInStockSubscriptionUrl"]["Value"])


def test_it_may_read_its_two_secrets_the_configuration_and_the_state_table_and_send_nothing(
    cfn: dict[str, Any],
) -> None:
    allowed = _actions(cfn["Resources"][f"{FUNCTION}Role"])
    tables = {
        str(resource) for action in list(allowed) if action.startswith("dynamodb:") for resource in allowed.pop(action)
    }
    for action in ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:DescribeParameters"):
        allowed.pop(action)

    assert allowed == {}  # no queue, no S3, no other secret
    assert _credentials(cfn["Resources"][f"{FUNCTION}Role"]) == {"StorefrontProofReadPolicy", "EngageApiKeyReadPolicy"}
    assert tables and all("StateTable" in table for table in tables)


def test_its_reserved_concurrency_is_capped_and_it_books_the_budget_first(cfn: dict[str, Any]) -> None:
    properties = cfn["Resources"][FUNCTION]["Properties"]
    lanes = cfn["Mappings"]["Engage"]["Concurrency"]

    assert properties["ReservedConcurrentExecutions"] == lanes["Subscription"] == 2
    assert properties["Environment"]["Variables"]["ENGAGE_PRIORITY"] == "transactional"  # a shopper waits


def test_it_is_given_every_variable_its_entry_reads(cfn: dict[str, Any]) -> None:
    variables = cfn["Resources"][FUNCTION]["Properties"]["Environment"]["Variables"]
    read = {field.alias for field in SubscriptionEnvironment.model_fields.values()}

    assert read <= set(variables) | {"STOREFRONT_PROOF_MAX_AGE_SECONDS"}
    assert variables["STOREFRONT_PROOF_SECRET"] == {"Ref": "StorefrontProofSecretName"}
    assert variables["POWERTOOLS_SERVICE_NAME"] == "back-in-stock-subscription"
    assert "BRAND_CONFIG_PARAMETER" in variables and "STATE_TABLE_NAME" in variables


def test_a_crash_raises_the_subscription_errors_alarm(cfn: dict[str, Any]) -> None:
    alarm = cfn["Resources"]["SubscriptionErrorsAlarm"]["Properties"]

    assert alarm["Namespace"] == "AWS/Lambda" and alarm["MetricName"] == "Errors"
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": FUNCTION}}]
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert "runbook.md#subscription-errors-alarm" in alarm["AlarmDescription"]
