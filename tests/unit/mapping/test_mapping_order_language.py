"""``/orders`` bodies carry their market's language and match the contact by id when the bridge knows it."""

import pytest

from engage_bridge.errors import MappingError
from engage_bridge.mapping import order_created
from tests.unit.mapping.builders import config, order, order_document


def _in_market(market: dict[str, object] | None) -> dict[str, object]:
    document = order_document()
    document["market"] = market
    return document


@pytest.mark.parametrize(
    ("market", "languages", "expected"),
    [
        ({"id": 1, "name": "Sweden"}, {"Sweden": "sv-SE"}, "sv-SE"),
        ({"id": 1, "name": "Sweden"}, {"1": "fi-FI"}, "fi-FI"),  # by id when the name is not listed
        ({"id": 1, "name": "Sweden"}, {"Sweden": "sv-SE", "1": "fi-FI"}, "sv-SE"),  # the name first
        ({"id": 9, "name": "Norway"}, {"Sweden": "sv-SE"}, "en-GB"),  # the default
        (None, {"Sweden": "sv-SE"}, "en-GB"),
    ],
)
def test_the_language_is_the_markets_else_the_default(
    market: dict[str, object] | None, languages: dict[str, str], expected: str
) -> None:
    cfg = config(languages_by_market=languages, default_language="en-GB")

    assert order_created(order(_in_market(market)), cfg).body()["language"] == expected


def test_a_market_without_a_language_is_a_mapping_error_naming_the_market() -> None:
    cfg = config(languages_by_market={"Sweden": "sv-SE"}, default_language=None)

    with pytest.raises(MappingError) as raised:
        order_created(order(_in_market({"id": 9, "name": "Norway"})), cfg)
    assert raised.value.field == "market"
    assert "Norway" in raised.value.reason


def test_the_contact_is_matched_by_id_when_known_and_by_email_otherwise() -> None:
    assert order_created(order(), config(), "c-42").body()["contact"] == {
        "matchKey": "c-42",
        "matchKeyType": "contactId",
    }
    assert order_created(order(), config()).body()["contact"] == {
        "matchKey": "astrid@example.com",
        "matchKeyType": "email",
    }
