"""The cost model: counts of a run and the price table give each line's quantity and dollars."""

import math
from typing import Any

import pytest

from engage_bridge_tools.bench.aws_cost import (
    FEATURE_SWITCHES,
    FunctionFacts,
    cost_figures,
    deployment,
    derive,
    function_facts,
    load_prices,
    per_million_orders,
    per_month_fixed,
    runs_per_month,
    samconfig_overrides,
    template_counts,
)
from engage_bridge_tools.local.template import load_template

PRICES: dict[str, Any] = {
    "region": "us-east-1",
    "as_of": "2026-11-23",
    "prices": {
        name: {"usd": usd}
        for name, usd in {
            "lambda_requests_per_million": 0.20,
            "lambda_gb_second_arm64": 0.0000133334,
            "lambda_gb_second_x86_64": 0.0000166667,
            "sqs_standard_requests_per_million": 0.40,
            "dynamodb_write_request_units_per_million": 0.625,
            "dynamodb_read_request_units_per_million": 0.125,
            "http_api_requests_per_million": 1.00,
            "cloudwatch_logs_ingestion_per_gb": 0.50,
            "cloudwatch_custom_metric_month": 0.30,
            "cloudwatch_standard_alarm_month": 0.10,
            "secrets_manager_api_calls_per_10k": 0.05,
            "secrets_manager_secret_month": 0.40,
            "ssm_parameter_standard_api_calls_per_10k": 0.0,
        }.items()
    },
}
FACTS = {
    "Webhook": FunctionFacts(128, "arm64", frozenset({"HttpApi"})),
    "Worker": FunctionFacts(256, "arm64", frozenset({"SQS"})),
    "Poller": FunctionFacts(512, "arm64", frozenset({"Schedule"}), "rate(1 minute)"),
}
# Two orders: 4 webhook calls, 2 worker batches of 1,000 ms each, the poller (per month, not per order).
INVOCATIONS = {
    "Webhook": {"invocations": 4, "duration_ms": 400.0},
    "Worker": {"invocations": 2, "duration_ms": 2000.0},
    "Poller": {"invocations": 50, "duration_ms": 5000.0},
}
AWS_REQUESTS = {
    "sqs:SendMessageBatch": 3,
    "sqs:DeleteMessageBatch": 2,
    "sqs:ReceiveMessage": 9000,  # the local poller's idle polling: replaced by one receive per worker batch
    "sqs:GetQueueAttributes": 500,  # the runtime's own checks: not priced
    "local-runtime/sqs:ChangeMessageVisibility": 40,  # the scaled poller's re-hiding of failed records: not priced
    "dynamodb:PutItem": 6,
    "dynamodb:UpdateItem": 4,
    "dynamodb:GetItem": 8,
    "secretsmanager:GetSecretValue": 2,
    "ssm:GetParameter": 2,
}


def lines_by_item() -> dict[str, Any]:
    lines = per_million_orders(
        orders=2,
        invocations=INVOCATIONS,
        aws_requests=AWS_REQUESTS,
        log_bytes=2 * 1024**2,
        facts=FACTS,
        prices=PRICES,
    )
    return {line.item: line for line in lines}


def test_a_function_url_costs_its_invocations_and_no_http_api_request() -> None:
    facts = {**FACTS, "Webhook": FunctionFacts(128, "arm64", frozenset({"FunctionUrl"}))}

    lines = {
        line.item: line
        for line in per_million_orders(
            orders=2, invocations=INVOCATIONS, aws_requests=AWS_REQUESTS, log_bytes=0, facts=facts, prices=PRICES
        )
    }

    assert lines["HTTP API requests"].quantity == 0
    assert lines["Lambda requests"].quantity == lines_by_item()["Lambda requests"].quantity == 3_000_000


def test_each_count_is_scaled_from_the_runs_orders_to_a_million_and_priced_per_its_unit() -> None:
    lines = lines_by_item()

    assert lines["Lambda requests"].quantity == 3_000_000  # (4 + 2) / 2 orders, the poller left out
    assert math.isclose(lines["Lambda requests"].usd, 0.60)
    # (0.4 s x 0.125 GB + 2 s x 0.25 GB) / 2 orders x 1 M = 275,000 GB-s
    assert math.isclose(lines["Lambda duration (arm64)"].quantity, 275_000)
    assert math.isclose(lines["Lambda duration (arm64)"].usd, 275_000 * 0.0000133334)
    assert lines["HTTP API requests"].quantity == 2_000_000
    # 3 sends + 2 deletes + 2 receives (one per worker batch) = 7 per 2 orders
    assert lines["SQS requests"].quantity == 3_500_000
    assert math.isclose(lines["SQS requests"].usd, 1.40)
    assert lines["DynamoDB writes"].quantity == 5_000_000
    assert math.isclose(lines["DynamoDB writes"].usd, 3.125)
    assert lines["DynamoDB reads"].quantity == 4_000_000
    assert math.isclose(lines["Secrets Manager reads"].usd, 1_000_000 / 10_000 * 0.05)
    assert lines["SSM parameter reads"].usd == 0
    assert math.isclose(lines["CloudWatch Logs ingestion"].quantity, 1_000_000 / 1024)  # 1 MiB an order
    assert math.isclose(lines["CloudWatch Logs ingestion"].usd, 1_000_000 / 1024 * 0.50)


def test_scheduled_functions_are_priced_per_month_from_their_schedule_at_their_mean_duration() -> None:
    lines = {
        line.item: line
        for line in per_month_fixed(
            invocations=INVOCATIONS, facts=FACTS, alarms=18, secrets=3, custom_metrics=40, prices=PRICES
        )
    }

    runs = lines["Poller runs, rate(1 minute)"]
    assert runs.quantity == 43_200
    duration = lines["Poller duration (100 ms a run)"]
    assert math.isclose(duration.quantity, 43_200 * 0.1 * 0.5)
    assert math.isclose(lines["CloudWatch alarms"].usd, 1.80)
    assert math.isclose(lines["CloudWatch custom metrics"].usd, 12.0)
    assert math.isclose(lines["Secrets Manager secrets"].usd, 1.20)
    idle = next(line for item, line in lines.items() if item.startswith("SQS idle long polling"))
    assert idle.quantity == 650_000  # one SQS event source


@pytest.mark.parametrize(
    ("schedule", "runs"),
    [("rate(1 minute)", 43_200), ("rate(5 minutes)", 8_640), ("rate(2 hours)", 360), ("cron(30 3 * * ? *)", 30)],
)
def test_runs_per_month(schedule: str, runs: float) -> None:
    assert runs_per_month(schedule) == runs


def test_the_templates_functions_are_read_with_globals_applied() -> None:
    template = load_template()
    facts = function_facts(template)

    assert facts["OrderStatusFunction"] == FunctionFacts(192, "arm64", frozenset({"SQS"}))  # FunctionMemorySize
    assert facts["CentraEventsFunction"].schedule == "rate(1 minute)"  # the parameter's default
    assert facts["ReconcileFunction"].memory_mb == 512
    assert facts["CentraWebhookFunction"].memory_mb == 256  # its own, not the parameter's
    raised = function_facts(template, deployment(template, {"FunctionMemorySize": "320"}))
    assert raised["OrderStatusFunction"].memory_mb == 320 and raised["CentraWebhookFunction"].memory_mb == 256
    alarms, secrets = template_counts(template)
    assert (
        alarms > 0 and secrets == 6
    )  # Engage key, Centra token, Centra and Engage webhook secrets, storefront proof key, product feed token


SECRETS_MANAGER_NAMES = {
    "EngageApiKeySecretName": "brand/engage-api-key",
    "CentraTokenSecretName": "brand/centra-token",
    "CentraWebhookSecretName": "/brand/centra-webhook-secret",  # SSM: no monthly charge
    "EngageWebhookSecretName": "brand/engage-webhook-secret",
}


def test_a_deployment_creates_what_its_switches_and_credential_names_say() -> None:
    template = load_template()
    default = deployment(template, SECRETS_MANAGER_NAMES)
    everything = deployment(
        template,
        {
            **SECRETS_MANAGER_NAMES,
            **dict.fromkeys(FEATURE_SWITCHES, "enabled"),
            "StorefrontProofSecretName": "/brand/proof",
            "ProductFeedTokenSecretName": "brand/feed-token",
        },
    )

    assert default.features == {
        "StockRelay": False,
        "BackInStockSubscriptions": False,
        "ProductFeed": False,
        "EngagePreferenceWebhooks": True,
    }
    assert default.conditions["CentraWebhookInParameterStore"] and not default.conditions["CentraTokenInParameterStore"]
    facts = function_facts(template, default)
    assert "StockRelayFunction" not in facts and "ProductFeedFunction" not in facts and "RouterFunction" in facts
    assert sum("SQS" in fact.triggers for fact in facts.values()) == 7
    # The webhooks are on function URLs; the default deployment has nothing behind the HTTP API.
    assert facts["CentraWebhookFunction"].triggers == facts["EngageWebhookFunction"].triggers == {"FunctionUrl"}
    assert not [name for name, fact in facts.items() if "HttpApi" in fact.triggers]
    assert sum("SQS" in fact.triggers for fact in function_facts(template, everything).values()) == 8
    # 3 Secrets Manager names, one in SSM; the feature credentials of switched-off features are not there at all.
    assert template_counts(template, default) == (18, 3)
    # + the stock relay's DLQ, the subscriptions', the feed route's and the feed run's alarms; + the feed token.
    assert template_counts(template, everything) == (22, 4)


def test_the_default_deployment_is_samconfigs_default_section_with_every_credential_in_ssm() -> None:
    overrides = samconfig_overrides()
    default = deployment(load_template())

    assert overrides["EnvironmentName"] == "dev"
    assert all(value.startswith("/") for name, value in overrides.items() if name.endswith("SecretName"))
    assert template_counts(load_template(), default)[1] == 0


def test_derive_prices_the_end_to_end_counts_and_carries_the_assumptions() -> None:
    sections = {
        "end_to_end": {
            "orders": 2,
            "invocations": {"OrderStatusFunction": {"invocations": 2, "duration_ms": 2000.0}},
            "aws_requests": AWS_REQUESTS,
            "log_bytes": 1000,
            "custom_metrics": 10,
        }
    }

    cost = derive(sections, load_template(), PRICES, SECRETS_MANAGER_NAMES)

    assert cost["region"] == "us-east-1" and cost["orders_measured"] == 2
    fixed, every_feature = cost["per_month_fixed"], cost["per_month_fixed_every_feature"]
    assert fixed["features"]["EngagePreferenceWebhooks"] and not fixed["features"]["StockRelay"]
    assert all(every_feature["features"].values())
    lines = {line["item"]: line for line in fixed["lines"]}
    assert lines["CloudWatch alarms"]["quantity"] == 18 and lines["Secrets Manager secrets"]["quantity"] == 3
    assert every_feature["total_usd"] > fixed["total_usd"]
    variable = cost["per_million_orders"]
    assert math.isclose(variable["total_usd"], round(sum(line["usd"] for line in variable["lines"]), 2))
    assert cost["local_sqs_calls_not_priced"] == {"ReceiveMessage_counted": 9000, "GetQueueAttributes_counted": 500}
    assert any("arm64" in assumption for assumption in cost["assumptions"])


def test_the_total_is_also_given_per_centra_webhook_the_references_unit() -> None:
    invocations = {
        "OrderStatusFunction": {"invocations": 2, "duration_ms": 2000.0},
        "CentraWebhookFunction": {"invocations": 6, "duration_ms": 60.0},
    }
    sections = {"end_to_end": {"orders": 2, "invocations": invocations, "aws_requests": AWS_REQUESTS, "log_bytes": 0}}

    cost = derive(sections, load_template(), PRICES, SECRETS_MANAGER_NAMES)

    assert cost["centra_webhooks_measured"] == 6
    per_order, per_webhook = cost["per_million_orders"]["total_usd"], cost["usd_per_million_centra_webhooks"]
    assert math.isclose(per_webhook, round(per_order * 2 / 6, 2))
    assert cost_figures({"aws_cost": cost})["usd_per_million_centra_webhooks"] == per_webhook


def test_a_run_without_webhooks_gives_no_per_webhook_figure() -> None:
    sections = {"end_to_end": {"orders": 2, "invocations": INVOCATIONS, "aws_requests": AWS_REQUESTS, "log_bytes": 0}}

    cost = derive(sections, load_template(), PRICES, SECRETS_MANAGER_NAMES)

    assert "usd_per_million_centra_webhooks" not in cost
    assert "usd_per_million_centra_webhooks" not in cost_figures({"aws_cost": cost})


def test_the_projects_price_table_is_dated_and_every_price_has_a_source() -> None:
    prices = load_prices()

    assert prices["as_of"] and prices["region"] == "us-east-1"
    assert set(PRICES["prices"]) <= set(prices["prices"])
    for name, price in prices["prices"].items():
        assert price["usd"] >= 0 and price["sources"], name


def test_an_eventually_consistent_read_is_priced_at_half_a_read_unit() -> None:
    lines = per_million_orders(
        orders=2,
        invocations=INVOCATIONS,
        aws_requests=AWS_REQUESTS,
        log_bytes=0,
        facts=FACTS,
        prices=PRICES,
        eventually_consistent_reads=4,  # of the 8 GetItem calls
    )
    reads = {line.item: line for line in lines}["DynamoDB reads"]

    assert reads.quantity == 3_000_000  # (4 strongly consistent + 4 x 0.5) / 2 orders x 1 M


def test_a_batch_get_is_priced_per_key_it_asked_for_not_per_call() -> None:
    def reads(**counted: Any) -> float:
        lines = per_million_orders(
            orders=2,
            invocations=INVOCATIONS,
            aws_requests={**AWS_REQUESTS, "dynamodb:BatchGetItem": 2},
            log_bytes=0,
            facts=FACTS,
            prices=PRICES,
            **counted,
        )
        return {line.item: line for line in lines}["DynamoDB reads"].quantity

    # 8 GetItem + 2 batches of 5 keys each, strongly consistent: 18 read units over 2 orders.
    assert reads(batch_get_items=10) == 9_000_000
    # The same batches eventually consistent: their 10 keys at half a unit each.
    assert reads(batch_get_items=10, eventually_consistent_reads=10) == 6_500_000
    # A run that did not count the keys: one read per batch, the lower bound it always was.
    assert reads() == 5_000_000
