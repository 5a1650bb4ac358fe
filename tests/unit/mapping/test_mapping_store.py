"""External store id: literal, last path segment, {market}/{country} templates, aliases, and refusals."""

import pytest

from engage_bridge.errors import MappingError
from engage_bridge.mapping import StoreContext, store_external_id
from tests.unit.mapping.builders import config

ORDER = StoreContext("order", "500", market_name="Sweden", country_name="Sweden")


@pytest.mark.parametrize(
    ("template", "expected"),
    [("brand.com", "brand.com"), ("centra.com/Europe", "Europe"), ("Europe", "Europe")],
)
def test_a_literal_store_id_is_used_as_the_plugin_does(template: str, expected: str) -> None:
    assert store_external_id(config(store_external_id=template), ORDER) == expected


def test_market_template_uses_the_market_name() -> None:
    cfg = config(store_external_id="{market}", default_market="Norway")

    assert store_external_id(cfg, ORDER) == "Sweden"


def test_an_object_without_market_falls_back_to_default_market() -> None:
    cfg = config(store_external_id="{market}", default_market="Norway")

    assert store_external_id(cfg, StoreContext("newsletter_subscription", "3")) == "Norway"


def test_country_template_uses_the_given_country_then_the_default() -> None:
    cfg = config(store_external_id="brand-{country}", default_country="Denmark")

    assert store_external_id(cfg, ORDER) == "brand-Sweden"
    assert store_external_id(cfg, StoreContext("customer", "7")) == "brand-Denmark"


def test_country_template_without_any_country_names_the_field() -> None:
    with pytest.raises(MappingError) as raised:
        store_external_id(config(store_external_id="{country}"), StoreContext("customer", "7"))

    assert (raised.value.object_kind, raised.value.object_id, raised.value.field) == ("customer", "7", "country")


def test_store_ids_alias_a_name_engage_cannot_use() -> None:
    cfg = config(store_external_id="{market}", default_market="Sweden", store_ids={"Rest of World": "RestOfWorld"})

    assert store_external_id(cfg, StoreContext("order", "1", market_name="Rest of World")) == "RestOfWorld"


def test_store_ids_alias_a_literal_too() -> None:
    cfg = config(store_external_id="centra.com/Europe", store_ids={"Europe": "EU"})

    assert store_external_id(cfg, ORDER) == "EU"


def test_whitespace_in_the_result_is_refused_not_squashed() -> None:
    cfg = config(store_external_id="{market}", default_market="Sweden")

    with pytest.raises(MappingError) as raised:
        store_external_id(cfg, StoreContext("order", "1", market_name="Rest of World"))

    assert raised.value.field == "store_external_id"
    assert "store_ids" in raised.value.reason
