"""Why an order is skipped: store type, market, pricelist and country restrictions (empty list = all)."""

from typing import Any

import pytest

from engage_bridge.mapping import restriction_reason
from tests.unit.mapping.builders import config, order, order_document


def test_a_plain_dtc_order_is_not_restricted() -> None:
    assert restriction_reason(order(), config()) is None


@pytest.mark.parametrize("store_type", ["WHOLESALE", "MARKETPLACE"])
def test_non_dtc_orders_are_skipped_by_default(store_type: str) -> None:
    document = order_document()
    document["store"]["type"] = store_type

    assert restriction_reason(order(document), config()) == "store_type"


def test_an_allowed_store_type_passes() -> None:
    document = order_document()
    document["store"]["type"] = "WHOLESALE"

    assert restriction_reason(order(document), config(restrictions={"store_types": ["WHOLESALE"]})) is None


@pytest.mark.parametrize(
    ("restrictions", "reason"),
    [
        ({"markets": ["Norway"]}, "market"),
        ({"pricelists": ["EUR"]}, "pricelist"),
        ({"countries": ["NO", "DK"]}, "country"),
    ],
)
def test_restrictions_name_their_reason(restrictions: dict[str, Any], reason: str) -> None:
    assert restriction_reason(order(), config(restrictions=restrictions)) == reason


@pytest.mark.parametrize(
    "restrictions",
    [{"markets": ["1"]}, {"markets": ["Sweden"]}, {"pricelists": ["SEK"]}, {"countries": ["se"]}],
)
def test_restrictions_match_by_name_or_id(restrictions: dict[str, Any]) -> None:
    assert restriction_reason(order(), config(restrictions=restrictions)) is None


def test_an_order_without_shipping_country_fails_a_country_restriction() -> None:
    document = order_document()
    document["shippingAddress"]["country"] = None

    assert restriction_reason(order(document), config(restrictions={"countries": ["SE"]})) == "country"
