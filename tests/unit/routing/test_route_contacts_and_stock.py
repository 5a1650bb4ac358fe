"""route_customer, route_newsletter_subscription and route_stock."""

from datetime import UTC, datetime
from typing import Any

import pytest

from engage_bridge.centra import StockLevel, parse_centra_object
from engage_bridge.messages import ContactUpsert, StockUpdate
from engage_bridge.routing import route_customer, route_newsletter_subscription, route_stock
from tests.unit.mapping.builders import config, contact_id_attribute, customer, newsletter_subscription, stock_level

NOW = datetime(2024, 5, 2, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "cfg", "expected"),
    [
        ({}, {}, "routed"),
        ({"registered": True, "newsletter": None}, {"contact_sync": "registered"}, "routed"),
        ({"registered": False, "newsletter": None}, {"contact_sync": "registered"}, "not_a_member"),
        ({"registered": False, "newsletter": None}, {"contact_sync": "all"}, "routed"),
        ({"registered": False, "newsletter": None}, {"contact_sync": "with_engage_id"}, "not_a_member"),
        (
            {"registered": False, "newsletter": None, "attributes": contact_id_attribute()},
            {"contact_sync": "with_engage_id"},
            "routed",
        ),
        ({"registered": True, "newsletter": None}, {"contact_sync": "none"}, "not_a_member"),
        # A newsletter flag is synced whatever the member rules say; False may have to unsubscribe a contact.
        ({"registered": False, "newsletter": False}, {"contact_sync": "none"}, "routed"),
        (
            {"registered": False, "newsletter": True},
            {"contact_sync": "none", "newsletter_subscribers": False},
            "not_a_member",
        ),
        ({"email": None}, {}, "no_email"),
    ],
)
def test_customer_routing(changes: dict[str, Any], cfg: dict[str, Any], expected: str) -> None:
    subject = customer(**changes)

    decision = route_customer(subject, config(**cfg))

    if expected == "routed":
        assert decision.skipped == []
        [routed] = decision.routed
        assert routed.route == "contact_upsert"
        assert routed.message == ContactUpsert(kind="customer", customer=subject)
    else:
        assert decision.routed == []
        assert [(s.reason, s.subject) for s in decision.skipped] == [(expected, "customer:77")]


def test_a_changed_customer_is_routed_again_under_a_new_key() -> None:
    before = route_customer(customer(firstName="Astrid"), config())
    after = route_customer(customer(firstName="Astri"), config())

    assert before.business_keys != after.business_keys


def test_backfilled_customers_are_marked_historical() -> None:
    [routed] = route_customer(customer(), config(), historical=True).routed

    assert routed.message.historical is True


@pytest.mark.parametrize("subscribed", [True, False])
def test_newsletter_subscriptions_become_newsletter_contacts(subscribed: bool) -> None:
    subscription = newsletter_subscription(subscribed=subscribed)

    [routed] = route_newsletter_subscription(subscription, config()).routed

    assert routed.route == "contact_upsert"
    assert routed.message == ContactUpsert(kind="newsletter", subscription=subscription)


@pytest.mark.parametrize(
    ("subscription_changes", "cfg", "reason"),
    [({}, {"newsletter_subscribers": False}, "newsletter_sync_off"), ({"email": None}, {}, "no_email")],
)
def test_newsletter_subscriptions_skipped(
    subscription_changes: dict[str, Any], cfg: dict[str, Any], reason: str
) -> None:
    decision = route_newsletter_subscription(newsletter_subscription(**subscription_changes), config(**cfg))

    assert decision.routed == []
    assert decision.skip_reasons == [reason]


def _level(document: dict[str, Any]) -> StockLevel:
    parsed = parse_centra_object({"__typename": "StockLevel", **document})
    assert isinstance(parsed, StockLevel)
    return parsed


def test_one_stock_update_per_sku_and_market_with_the_absolute_quantity() -> None:
    levels = [
        stock_level(quantity=7, market_id=1),
        stock_level(quantity=0, market_id=2),
        stock_level(quantity=7, market_id=1),  # the same SKU read twice by one event
        _level({"productSize": {"SKU": "A1-M"}, "freeToAllocateQuantity": 3}),
        _level({"productSize": {"SKU": "A1-M"}, "market": {"name": "Nowhere"}, "freeToAllocateQuantity": 3}),
        _level({"productSize": {}, "market": {"id": 1}, "freeToAllocateQuantity": 3}),
    ]

    decision = route_stock(levels, NOW, config())

    assert [r.route for r in decision.routed] == ["stock_relay", "stock_relay"]
    messages = [r.message for r in decision.routed]
    assert all(isinstance(m, StockUpdate) and m.event_time == NOW for m in messages)
    assert [(m.level.reference, m.level.free_to_allocate_quantity) for m in messages if isinstance(m, StockUpdate)] == [
        ("A1-M@1", 7),
        ("A1-M@2", 0),
    ]
    assert [(s.reason, s.subject) for s in decision.skipped] == [
        ("duplicate_level", "stock:A1-M@1"),
        ("no_market", "stock:A1-M@<no market>"),
        ("no_market", "stock:A1-M@<no market>"),
        ("no_sku", "stock:<no sku>@1"),
    ]


def test_stock_is_not_deduplicated_against_earlier_sends_here() -> None:
    # The stock handler compares with the last level sent; the router routes every level it reads.
    first = route_stock([stock_level(quantity=5)], NOW, config())
    again = route_stock([stock_level(quantity=5)], NOW, config())

    assert first.business_keys == again.business_keys
    assert len(again.routed) == 1


def test_stock_needs_an_aware_event_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        route_stock([stock_level()], datetime(2024, 5, 2, 10, 0), config())  # naive: the point of the test
