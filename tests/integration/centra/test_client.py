"""The Centra client against the Centra fake over loopback HTTP: models, events, auth and the rate limit."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engage_bridge.centra import Customer, NewsletterSubscription, Order
from engage_bridge.centra.client import CentraClient
from engage_bridge.centra.outcomes import CentraRetryableError, CentraUnauthorized
from engage_bridge.engage.retry import RetryPolicy
from engage_bridge_tools.centra_fake.rate_limit import RateLimit
from tests.integration.centra.conftest import CentraFakeFactory, CentraFakeHandle

pytestmark = pytest.mark.integration

NO_WAIT = RetryPolicy(max_attempts=3, base_delay=0.0, max_delay=0.0)


@pytest.fixture
def client(centra_fake: CentraFakeHandle) -> CentraClient:
    return CentraClient(centra_fake.graphql_url, centra_fake.token, retry=NO_WAIT)


def _by_id(entries: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    return {entry["id"]: entry for entry in entries}


def _linked(shop: dict[str, Any], entry: dict[str, Any], key: str, collection: str) -> Any:
    """What the fake serves for a ``{id}`` reference: the current entry it points to."""
    ref = entry.get(key)
    return _by_id(shop[collection]).get(ref["id"], ref) if isinstance(ref, dict) else ref


def expected_order(centra_fake: CentraFakeHandle, number: int) -> Order:
    shop = centra_fake.fake.snapshot()
    entry = next(order for order in shop["orders"] if order["number"] == number)
    store = _linked(shop, entry, "store", "stores")
    customer = _linked(shop, entry, "customer", "customers")
    resolved = {
        **entry,
        "__typename": "DirectToConsumerOrder",  # the one concrete order type the contract knows
        "store": store,
        "market": _linked(shop, entry, "market", "markets"),
        "customer": None if customer is None else {**customer, "__typename": "Customer"},
    }
    return Order.model_validate(resolved)


def expected_customer(centra_fake: CentraFakeHandle, customer_id: int) -> Customer:
    entry = _by_id(centra_fake.fake.snapshot()["customers"])[customer_id]
    return Customer.model_validate({**entry, "__typename": "Customer"})


def test_every_order_equals_the_shop_file(centra_fake: CentraFakeHandle, client: CentraClient) -> None:
    numbers = [order["number"] for order in centra_fake.fake.snapshot()["orders"]]

    for number in numbers:
        assert client.order(number) == expected_order(centra_fake, number)


def test_the_split_shipped_order_has_its_shipments_returns_and_customer(client: CentraClient) -> None:
    order = client.order(1001)

    assert order is not None
    assert [shipment.number for shipment in order.shipments] == ["1001-1", "1001-2"]
    assert [return_.id for return_ in order.returns] == [1]
    assert order.customer is not None and order.customer.id == 1
    assert order.store is not None and order.store.type == "DIRECT_TO_CONSUMER"


def test_an_unknown_order_is_none(client: CentraClient) -> None:
    assert client.order(999_999) is None


def test_the_order_of_a_shipment_and_of_a_return(centra_fake: CentraFakeHandle, client: CentraClient) -> None:
    expected = expected_order(centra_fake, 1001)

    assert client.shipment_order(2) == expected
    assert client.return_order(1) == expected
    assert client.shipment_order(999) is None
    assert client.return_order(999) is None


def test_a_new_shipment_is_found_through_its_order(centra_fake: CentraFakeHandle, client: CentraClient) -> None:
    shipment = centra_fake.fake.create_shipment(1002)

    order = client.shipment_order(shipment["id"])

    assert order is not None and order.number == 1002
    assert [item.id for item in order.shipments] == [shipment["id"]]


def test_customers(centra_fake: CentraFakeHandle, client: CentraClient) -> None:
    assert client.customer(1) == expected_customer(centra_fake, 1)
    assert client.customer(999) is None
    # A registered and a guest customer share this address; the match ignores case.
    assert client.customers_by_email("ANNA@example.com") == [
        expected_customer(centra_fake, 1),
        expected_customer(centra_fake, 4),
    ]
    assert client.customers_by_email("nobody@example.com") == []


def test_newsletter_subscriptions(centra_fake: CentraFakeHandle, client: CentraClient) -> None:
    shop = centra_fake.fake.snapshot()
    for entry in shop["newsletterSubscriptions"]:
        linked = _linked(shop, entry, "store", "stores")
        store = {"id": linked["id"], "name": linked["name"]}  # what the client selects
        # Centra's subscription has no market and no customer link (CD:newslettersubscription, seen whole).
        served = {key: value for key, value in entry.items() if key not in {"market", "customer"}}
        expected = NewsletterSubscription.model_validate(
            {**served, "__typename": "NewsletterSubscription", "store": store}
        )

        assert client.newsletter_subscription(entry["id"]) == expected
    assert client.newsletter_subscription(999) is None


def test_orders_created_between_page_by_order_date(client: CentraClient) -> None:
    start, end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)

    first = client.orders_created_between(start, end, page=1, limit=2)
    second = client.orders_created_between(start, end, page=2, limit=2)
    third = client.orders_created_between(start, end, page=3, limit=2)

    # 1003 was created in February; orderDate_ASC is the only published order sort.
    assert [order.number for order in first + second + third] == [1004, 1001, 1002, 1005]
    assert len(third) < 2


def test_customers_updated_between(centra_fake: CentraFakeHandle, client: CentraClient) -> None:
    shop = centra_fake.fake.snapshot()
    start, end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)
    expected = [
        Customer.model_validate({**entry, "__typename": "Customer"})
        for entry in shop["customers"]
        if start <= datetime.fromisoformat(entry["updatedAt"]) <= end
    ]

    assert client.customers_updated_between(start, end) == expected


def test_events_round_trip(centra_fake: CentraFakeHandle, client: CentraClient) -> None:
    client.set_event_listeners(["Order", "Shipment", "Customer", "StockChange"])
    client.set_event_listeners(["Order"])  # idempotent
    centra_fake.fake.ship_order(1002)
    centra_fake.fake.update_customer(2, {"firstName": "Benjamin"})
    centra_fake.fake.set_stock("CAP200-M", 101, 7)

    events = list(client.fetch_events(warehouse_ids=[101, 104]).events)

    kinds = [(event.object_type, event.change_type) for event in events]
    assert ("Shipment", "CREATED") in kinds and ("Order", "UPDATED") in kinds
    (stock_event,) = [event for event in events if event.object_type == "StockChange"]
    [stock] = stock_event.stock
    assert stock.sku == "CAP200-M"
    assert {(row.warehouse_id, row.free_to_allocate) for row in stock.warehouses} >= {(101, 7)}
    order_event = next(event for event in events if event.object_type == "Order")
    assert order_event.object_reference == 1002 and order_event.created_at.tzinfo is not None

    # Unconfirmed events come back; confirmed ones do not.
    assert [event.id for event in client.fetch_events().events] == [event.id for event in events]
    first, rest = events[0], events[1:]
    result = client.confirm_events([first.id, 999_999])
    assert result.confirmed == (first.id,)
    assert result.not_confirmed == (999_999,)
    assert [warning.path for warning in result.warnings] == [("input", "eventsIds")]
    assert [event.id for event in client.fetch_events().events] == [event.id for event in rest]

    assert client.confirm_events(event.id for event in rest).confirmed == tuple(event.id for event in rest)
    assert client.fetch_events().size == 0


def test_events_of_chosen_types_only(centra_fake: CentraFakeHandle, client: CentraClient) -> None:
    client.set_event_listeners(["Order", "Customer", "NewsletterSubscription"])
    centra_fake.fake.update_customer(2, {"lastName": "Berg"})
    centra_fake.fake.add_newsletter_subscription("new@example.com", store_id=1)

    subscriptions = client.fetch_events(object_types=["NewsletterSubscription"]).events
    customers = client.fetch_events(limit=1, object_types=["Customer"]).events

    assert [event.object_type for event in subscriptions] == ["NewsletterSubscription"]
    subscription = client.newsletter_subscription(subscriptions[0].object_reference)
    assert subscription is not None and subscription.store is not None and subscription.store.id == 1
    assert len(customers) == 1 and customers[0].object_type == "Customer"


def test_a_shared_integration_name_shows_in_event_listeners(
    centra_fake_factory: CentraFakeFactory,
) -> None:
    handle = centra_fake_factory(tokens={"bridge": "shared", "other-tool": "shared"})
    bridge = CentraClient(handle.graphql_url, "bridge", retry=NO_WAIT)
    CentraClient(handle.graphql_url, "other-tool", retry=NO_WAIT).set_event_listeners(["Product"])

    bridge.set_event_listeners(["Order"])

    assert {listener.object_type for listener in bridge.event_listeners()} == {"Order", "Product"}


def test_a_wrong_token_is_unauthorized(centra_fake: CentraFakeHandle) -> None:
    client = CentraClient(centra_fake.graphql_url, "not-the-token", retry=NO_WAIT)

    with pytest.raises(CentraUnauthorized) as caught:
        client.order(1001)

    assert caught.value.status == 401
    assert "not-the-token" not in str(caught.value)


class SharedClock:
    """One clock for the fake and the client: the client's sleeps move it, so no test waits for real."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 20, 12, 0, 3, tzinfo=UTC)
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def unix(self) -> float:
        return self.now.timestamp()

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def test_the_rate_limit_is_waited_out_until_retry_after(centra_fake_factory: CentraFakeFactory) -> None:
    clock = SharedClock()
    handle = centra_fake_factory(clock=clock, rate_limit=RateLimit(requests=1, window_seconds=10))
    client = CentraClient(handle.graphql_url, handle.token, retry=NO_WAIT, sleep=clock.sleep, clock=clock.unix)

    assert client.customer(1) is not None
    second = client.customer(2)

    # The window started at 12:00:00 and the clock stood at 12:00:03: Retry-After named 12:00:10.
    assert clock.slept == [7.0]
    assert second is not None and second.id == 2


def test_a_retry_after_beyond_the_cap_is_left_to_the_caller(centra_fake_factory: CentraFakeFactory) -> None:
    clock = SharedClock()
    handle = centra_fake_factory(clock=clock, rate_limit=RateLimit(requests=1, window_seconds=60))
    retry = RetryPolicy(max_attempts=3, base_delay=0.0, max_delay=0.0, max_retry_after=10.0)
    client = CentraClient(handle.graphql_url, handle.token, retry=retry, sleep=clock.sleep, clock=clock.unix)
    client.customer(1)

    with pytest.raises(CentraRetryableError) as caught:
        client.customer(2)

    assert caught.value.status == 429
    assert caught.value.retry_after == 57.0
    assert clock.slept == []
