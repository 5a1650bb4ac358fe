"""Centra JSON as GraphQL returns it: nulls for unset strings, unknown keys, kinds by __typename."""

import pytest

from engage_bridge.centra import Customer, Order, detect_kind, parse_centra_object
from engage_bridge.errors import MappingError
from engage_bridge.mapping import order_created
from tests.unit.mapping.builders import config, order, order_document


def test_null_strings_read_as_empty_and_map_as_the_seed_does() -> None:
    document = order_document()
    document["billingAddress"].update(address2=None, stateOrProvince=None, phoneNumber=None)
    document["lines"][0].update(size=None, productVariantName=None)
    document["someFieldAddedLater"] = {"x": 1}

    body = order_created(order(document), config()).body()

    assert body["extraData"]["billingAddressStreet2"] == ""
    assert body["extraData"]["billingTelephoneNumber"] == ""
    assert body["items"][0]["extraData"] == {"size": "", "variation": "", "isSale": True}


@pytest.mark.parametrize(
    ("typename", "kind"),
    [
        ("DirectToConsumerOrder", "order"),
        ("Customer", "customer"),
        ("NewsletterSubscription", "newsletter_subscription"),
        ("StockLevel", "stock_level"),
    ],
)
def test_typename_names_the_kind(typename: str, kind: str) -> None:
    assert detect_kind({"__typename": typename}) == kind


def test_explicit_kind_wins_over_a_missing_typename() -> None:
    document = order_document()
    del document["__typename"]

    assert isinstance(parse_centra_object(document, "order"), Order)
    assert isinstance(parse_centra_object({"id": 1, "email": "a@example.com"}, "customer"), Customer)
    with pytest.raises(MappingError) as raised:
        parse_centra_object(document)
    assert raised.value.field == "__typename"
