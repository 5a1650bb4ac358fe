"""A brand pays only for what it runs: with a feature switched off (template parameters StockRelay,
BackInStockSubscriptions, ProductFeed, EngagePreferenceWebhooks) its functions, queues, alarms and credential
grants are not created; the router and the consent consumer run without them. Deployed into moto, which
evaluates the template's Conditions as CloudFormation does."""

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from engage_bridge_tools.local.stack import LocalStack, deploy
from tests.infrastructure.conftest import PARAMETERS

FEATURES = ("StockRelay", "BackInStockSubscriptions", "ProductFeed", "EngagePreferenceWebhooks")
OFF_BY_DEFAULT = {
    "StockRelayFunction", "StockRelayQueue", "StockRelayDLQ", "RouterStockRelaySendPolicy",
    "BackInStockSubscriptionFunction", "StorefrontProofReadPolicy",
    "ProductFeedFunction", "ProductFeedServeFunction", "ProductFeedBucket", "ProductFeedFailureQueue",
    "ProductFeedTokenReadPolicy",
}  # fmt: skip
# moto's CloudFormation creates no alarms: which alarms a deployment has is the bench's (aws_cost.deployment).
WEBHOOKS = {"EngageWebhookFunction", "EngageWebhookReadPolicy"}
URL_FUNCTIONS = ("CentraWebhookFunction", "EngageWebhookFunction")


def _deployed(parameters: dict[str, str]) -> Iterator[LocalStack]:
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        patch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
        yield deploy("bridge-features", parameters)


@pytest.fixture
def default_stack() -> Iterator[LocalStack]:
    # The template's defaults for every switch: what `sam deploy` creates unless told otherwise.
    yield from _deployed({name: value for name, value in PARAMETERS.items() if name not in FEATURES})


@pytest.fixture
def bare_stack() -> Iterator[LocalStack]:
    yield from _deployed({**PARAMETERS, **dict.fromkeys(FEATURES, "disabled")})


def test_the_default_stack_has_the_preference_webhooks_and_none_of_the_back_in_stock_features(
    default_stack: LocalStack,
) -> None:
    created = set(default_stack.resources)

    assert not created & OFF_BY_DEFAULT
    assert created >= WEBHOOKS
    router = default_stack.functions["RouterFunction"].environment
    assert "STOCK_RELAY_QUEUE_URL" not in router and "ORDER_STATUS_QUEUE_URL" in router
    assert router["STOCK_RELAY_DEPLOYED"] == "false" and router["PRODUCT_FEED_DEPLOYED"] == "false"
    assert {trigger.function for trigger in default_stack.sqs_triggers} == {
        "ContactUpsertFunction", "OrderStatusFunction", "ReceiptPushFunction", "PromotionRedemptionFunction",
        "BackfillFunction", "EngageConsentFunction", "RouterFunction",
    }  # fmt: skip
    # The two webhooks' function URLs, served locally at their outputs' paths; the HTTP API has no route left.
    assert {(route.function, route.method, route.path) for route in default_stack.routes} == {
        ("CentraWebhookFunction", "POST", "/centra/webhook"),
        ("EngageWebhookFunction", "POST", "/engage/webhook"),
    }
    assert not created & {"WebhookApi", "WebhookApiAccessLogGroup"}


def test_without_any_feature_the_consent_consumer_reads_no_webhook_key(bare_stack: LocalStack) -> None:
    created = set(bare_stack.resources)

    assert not created & (OFF_BY_DEFAULT | WEBHOOKS)
    assert "ENGAGE_WEBHOOK_SECRET" not in bare_stack.functions["EngageConsentFunction"].environment


def test_each_webhook_has_a_public_function_url_with_a_reserved_concurrency(cfn: dict[str, Any]) -> None:
    resources = cfn["Resources"]
    for function in URL_FUNCTIONS:
        url, permission = resources[f"{function}Url"], resources[f"{function}UrlPublicPermissions"]

        # AuthType NONE: Centra and Svix cannot sign with SigV4; the function verifies every request's signature.
        assert url["Type"] == "AWS::Lambda::Url" and url["Properties"]["AuthType"] == "NONE"
        assert url["Properties"]["TargetFunctionArn"] == {"Ref": function}
        assert permission["Properties"] == {
            "Action": "lambda:InvokeFunctionUrl",
            "FunctionName": {"Ref": function},
            "Principal": "*",
            "FunctionUrlAuthType": "NONE",
        }
        # In place of the HTTP API's throttling (20 a second, burst 50): template.yaml, Mappings.
        assert resources[function]["Properties"]["ReservedConcurrentExecutions"] == 10
        # No HTTP API route, no API call charge.
        assert not any(
            resource["Type"].startswith("AWS::ApiGatewayV2::") and function in str(resource)
            for resource in resources.values()
        )
    # The Engage webhook's URL and its permission exist only with its switch; the HTTP API only with a route.
    engage = ("EngageWebhookFunctionUrl", "EngageWebhookFunctionUrlPublicPermissions")
    assert {resources[name].get("Condition") for name in engage} == {"HasPreferenceWebhooks"}
    assert "Condition" not in resources["CentraWebhookFunctionUrl"]
    assert resources["WebhookApi"]["Condition"] == "HasHttpApi"


def test_the_webhook_outputs_give_each_function_url_with_the_path_its_function_answers(cfn: dict[str, Any]) -> None:
    outputs = cfn["Outputs"]

    assert outputs["CentraWebhookUrl"]["Value"] == {"Fn::Sub": "${CentraWebhookFunctionUrl.FunctionUrl}centra/webhook"}
    assert outputs["EngageWebhookUrl"]["Value"] == {"Fn::Sub": "${EngageWebhookFunctionUrl.FunctionUrl}engage/webhook"}
    assert outputs["EngageWebhookUrl"]["Condition"] == "HasPreferenceWebhooks"


def test_without_the_preference_webhooks_only_centras_function_url_is_served(bare_stack: LocalStack) -> None:
    assert [(route.function, route.path) for route in bare_stack.routes] == [
        ("CentraWebhookFunction", "/centra/webhook")
    ]
