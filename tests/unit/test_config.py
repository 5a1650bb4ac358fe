"""The brand configuration: seed defaults, and a bad document fails naming its field."""

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moto import mock_aws
from pydantic import BaseModel

from engage_bridge.config import BrandConfig, load_config, parse_config
from engage_bridge.errors import ConfigError
from engage_bridge_tools.demo.catalogue import MARKETS

EXAMPLE = Path(__file__).resolve().parents[2] / "tools/engage_bridge_tools/data/brand.example.json"

MINIMAL: dict[str, Any] = {
    "engage": {"base_url": "https://brand.staging.voyado.com", "api_key_secret": "engage/api-key"},
    "store_external_id": "brand.com",
    "default_language": "sv-SE",
}


def _with(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(MINIMAL))
    document.update(changes)
    return document


def test_defaults_are_the_centra_plugin_defaults() -> None:
    config = parse_config(MINIMAL)

    assert config.engage.source == "ECOM"
    assert config.contact_sync == "all"
    assert config.contact_types.model_dump() == {
        "member": "member",
        "transactional": "transactionalContact",
        "newsletter": "contact",
    }
    assert config.order_status_tags.model_dump() == {
        "created": "ORDER_CREATED",
        "shipped": "ORDER_SHIPPED",
        "cancelled": "ORDER_CANCELLED",
        "returned": "ORDER_RETURNED",
    }
    assert config.payment_status_tags.model_dump() == {"pending": "PENDING", "success": "SUCCESS", "failed": "FAILED"}
    assert config.customer_updates is False
    assert config.transactional_emails is True
    assert config.restrictions.store_types == ["DIRECT_TO_CONSUMER"]
    assert config.restrictions.markets == []
    assert config.engage.timeouts.redeem >= 60


def test_the_shipped_example_is_valid() -> None:
    config = parse_config(EXAMPLE.read_text(encoding="utf-8"))

    assert config.store_external_id == "{market}"
    assert config.default_market == "Sweden"


@pytest.mark.parametrize(
    ("value", "store"),
    [("brand.com", "brand.com"), ("Europe", "Europe"), ("centra.com/Europe", "Europe"), ("{market}", "{market}")],
)
def test_store_template_takes_the_part_after_the_domain(value: str, store: str) -> None:
    document = _with(store_external_id=value, default_market="Sweden")

    assert parse_config(document).store_template == store


@pytest.mark.parametrize(
    ("document", "field"),
    [
        (_with(engage={"base_url": "not a url", "api_key_secret": "k"}), "engage.base_url"),
        (_with(engage={"base_url": "https://x.voyado.com"}), "engage.api_key_secret"),
        (_with(store_external_id="{market}"), "default_market"),
        (_with(store_external_id="{shop}"), "store_external_id"),
        (_with(contact_sync="everyone"), "contact_sync"),
        (_with(contact_types={"member": ""}), "contact_types.member"),
        (_with(restrictions={"store_types": ["RETAIL"]}), "restrictions.store_types.0"),
        (_with(restrictions={"store_types": []}), "restrictions.store_types"),
        (_with(store_ids={"Rest of World": "Rest of World"}), "store_ids.Rest of World"),
        (_with(historical_sync_from="last tuesday"), "historical_sync_from"),
        (_with(customer_update=True), "customer_update"),
    ],
)
def test_a_bad_document_names_the_field(document: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(document)

    assert raised.value.field == field
    assert field in str(raised.value)


def test_redeem_timeout_below_voyados_minimum_is_refused() -> None:
    document = _with(engage={**MINIMAL["engage"], "timeouts": {"redeem": 10}})

    with pytest.raises(ConfigError) as raised:
        parse_config(document)

    assert raised.value.field == "engage.timeouts.redeem"


def test_invalid_json_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not valid JSON"):
        parse_config("{")


@given(st.dictionaries(st.text(max_size=8), st.none() | st.integers() | st.text(max_size=8), max_size=4))
def test_any_document_either_parses_or_raises_config_error(document: dict[str, Any]) -> None:
    try:
        result = parse_config({**MINIMAL, **document})
    except ConfigError as error:
        assert error.field
    else:
        assert isinstance(result, BrandConfig)


def test_load_config_reads_the_file_named_in_the_environment() -> None:
    config = load_config({"BRAND_CONFIG_FILE": str(EXAMPLE)})

    assert config.engage.user_agent == "example-brand/1.0"


def test_load_config_names_an_unreadable_file() -> None:
    with pytest.raises(ConfigError) as raised:
        load_config({"BRAND_CONFIG_FILE": "/nonexistent/brand.json"})

    assert raised.value.field == "BRAND_CONFIG_FILE"


def test_load_config_without_a_source_says_what_to_set() -> None:
    with pytest.raises(ConfigError) as raised:
        load_config({})

    assert raised.value.field == "BRAND_CONFIG_PARAMETER"


@mock_aws
def test_load_config_reads_the_ssm_parameter() -> None:
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()  # type: ignore[no-untyped-call]
    boto3.client("ssm").put_parameter(
        Name="/centra-engage-bridge/dev/brand-config", Value=json.dumps(MINIMAL), Type="SecureString"
    )

    config = load_config({"BRAND_CONFIG_PARAMETER": "/centra-engage-bridge/dev/brand-config"})

    assert config.store_external_id == "brand.com"


def _dotted_fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names.extend(_dotted_fields(annotation, f"{prefix}{name}."))
        else:
            names.append(f"{prefix}{name}")
    return names


def test_every_option_is_documented_in_the_configuration_reference() -> None:
    reference = (Path(__file__).resolve().parents[2] / "docs/configuration.md").read_text(encoding="utf-8")

    undocumented = [name for name in _dotted_fields(BrandConfig) if f"`{name}`" not in reference]

    assert undocumented == []


def test_a_brand_with_order_emails_names_their_language() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config({**MINIMAL, "default_language": None})
    assert raised.value.field == "languages_by_market"
    assert parse_config({**MINIMAL, "default_language": None, "transactional_emails": False}).default_language is None


@pytest.mark.parametrize("language", ["sv", "SV-se", "sv_SE", "swedish", ""])
def test_a_language_is_a_locale_like_engages_examples(language: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config({**MINIMAL, "languages_by_market": {"Sweden": language}})
    assert raised.value.field == "languages_by_market.Sweden"


def test_the_example_configuration_names_a_language_for_every_demo_market() -> None:
    config = parse_config(EXAMPLE.read_text(encoding="utf-8"))

    missing = [market.name for market in MARKETS if market.name not in config.languages_by_market]

    assert missing == []
