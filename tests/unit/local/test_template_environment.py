"""A function's template variables resolved for a local run: literals kept, feature switches on, references named."""

from pathlib import Path

import pytest

from engage_bridge_tools.local.template import FunctionSpec, resolve_environment


def spec(environment: dict[str, object]) -> FunctionSpec:
    return FunctionSpec("RouterFunction", Path("functions/router"), "app", "lambda_handler", environment, frozenset())


def test_a_feature_switch_between_two_literals_takes_its_on_value_as_the_local_stack_runs_every_feature() -> None:
    variables = spec({"LEVEL": "INFO", "PRODUCT_FEED_DEPLOYED": {"Fn::If": ["HasProductFeed", "true", "false"]}})

    assert resolve_environment(variables, {}) == {"LEVEL": "INFO", "PRODUCT_FEED_DEPLOYED": "true"}


def test_a_switch_on_a_reference_still_needs_its_local_value() -> None:
    variables = spec({"STOCK_RELAY_QUEUE_URL": {"Fn::If": ["HasStockRelay", {"Ref": "StockRelayQueue"}, "x"]}})

    assert resolve_environment(variables, {"STOCK_RELAY_QUEUE_URL": "local"}) == {"STOCK_RELAY_QUEUE_URL": "local"}
    with pytest.raises(KeyError, match="STOCK_RELAY_QUEUE_URL"):
        resolve_environment(variables, {})
