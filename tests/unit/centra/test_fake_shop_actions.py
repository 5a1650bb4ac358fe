"""Shop changes: what they do to the shop and what they refuse."""

import re
from typing import Any

import pytest

from engage_bridge_tools.centra_fake.fake import CentraFake
from engage_bridge_tools.centra_fake.shop_actions import ShopActionError
from tests.unit.centra.fake_support import SteppingClock, data


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def fake(clock: SteppingClock) -> CentraFake:
    return CentraFake.from_file(clock=clock)


def _order(fake: CentraFake, number: int, selection: str) -> dict[str, Any]:
    query = f"query($n: Int!) {{ orders(where: {{number: [$n]}}) {{ {selection} }} }}"
    [order] = data(fake, query, {"n": number})["orders"]
    found: dict[str, Any] = order
    return found


def _shipments(fake: CentraFake, number: int, selection: str) -> list[dict[str, Any]]:
    """An order's shipments, read as Centra documents them: ``ShipmentFilter.orderId``."""
    order_id = _order(fake, number, "id")["id"]
    query = f"query($ids: [String!]) {{ shipments(where: {{orderId: $ids}}) {{ {selection} }} }}"
    shipments: list[dict[str, Any]] = data(fake, query, {"ids": [order_id]})["shipments"]
    return shipments


def test_a_split_shipment_completes_the_order_only_with_the_last_unit(fake: CentraFake) -> None:
    first = fake.ship_order(1005, lines={7: 2}, tracking_number="TRACK-1")

    assert first["number"] == "1005-1" and _order(fake, 1005, "status")["status"] == "PROCESSING"

    fake.ship_order(1005)  # the rest: line 8
    shipments = _shipments(fake, 1005, "number isShipped lines { orderLine { id } quantity }")
    assert _order(fake, 1005, "status")["status"] == "SHIPPED"
    assert [s["number"] for s in shipments] == ["1005-1", "1005-2"]
    assert shipments[1]["lines"] == [{"orderLine": {"id": 8}, "quantity": 3}]


def test_a_good_to_go_shipment_is_not_shipped_until_completed(fake: CentraFake, clock: SteppingClock) -> None:
    shipment = fake.create_shipment(1002)
    clock.advance(3600)
    fake.complete_shipment(shipment["id"])

    shipped = data(
        fake,
        "query($id: Int!) { shipments(where: {id: [$id]}) { isGoodToGo isShipped shippedAt createdAt } }",
        {"id": shipment["id"]},
    )["shipments"][0]
    assert shipped["isGoodToGo"] and shipped["isShipped"]
    assert shipped["shippedAt"] == clock.now.isoformat(timespec="seconds")
    assert shipped["createdAt"] != shipped["shippedAt"]


def test_a_return_with_a_handling_fee(fake: CentraFake) -> None:
    shipment = fake.ship_order(1002)
    returned = fake.register_return(shipment["id"], handling_fee=5.0, comment="Wrong colour")
    fake.complete_return(returned["id"])

    query = """query($id: Int!) {
      returns(where: {id: [$id]}) {
        returnStatus totalQuantity grandTotal { value } totals { handling { value currency { code } } } order { number }
      }
    }"""
    result = data(fake, query, {"id": returned["id"]})["returns"][0]
    line = _order(fake, 1002, "lines { returnedQuantity }")["lines"][0]

    assert result == {
        "returnStatus": "COMPLETED",
        "totalQuantity": 1,
        "grandTotal": {"value": 54.0},
        "totals": {"handling": {"value": -5.0, "currency": {"code": "EUR"}}},
        "order": {"number": 1002},
    }
    assert line["returnedQuantity"] == 1


def test_cancelling_moves_every_unit_to_cancelled(fake: CentraFake) -> None:
    fake.cancel_order(1005)

    order = _order(fake, 1005, "status lines(includeFullyCancelled: true) { quantity cancelledQuantity }")

    assert order == {
        "status": "CANCELLED",
        "lines": [{"quantity": 0, "cancelledQuantity": 2}, {"quantity": 0, "cancelledQuantity": 3}],
    }


def test_an_order_shows_its_customer_as_currently_stored(fake: CentraFake) -> None:
    fake.update_customer(2, {"firstName": "Benjamin", "newsletter": True})

    order = _order(fake, 1002, "... on DirectToConsumerOrder { customer { firstName receiveNewsletters } }")

    assert order["customer"] == {"firstName": "Benjamin", "receiveNewsletters": True}


def test_a_newsletter_sign_up_for_a_customer_turns_the_flag_on(fake: CentraFake) -> None:
    _listen = (
        "mutation { setEventListeners(input: [{objectType: NewsletterSubscription}, {objectType: Customer}]) "
        "{ userErrors { message } } }"
    )
    data(fake, _listen)
    subscription = fake.add_newsletter_subscription("ben@example.net", country_code="NL", market_id=4, customer_id=2)

    [customer] = data(fake, "{ customers(where: {id: [2]}) { receiveNewsletters } }")["customers"]
    kinds = [(event.object_type, event.object_reference) for event in fake.pending_events()]

    assert customer == {"receiveNewsletters": True}
    assert kinds == [("NewsletterSubscription", subscription["id"]), ("Customer", 2)]


def test_setting_stock_records_a_stock_change_of_the_warehouse_with_the_new_level(fake: CentraFake) -> None:
    data(fake, "mutation { setEventListeners(input: [{objectType: StockChange}]) { userErrors { message } } }")
    fake.set_stock("BAG100-ONE", 104, 7)

    events = data(
        fake,
        """{ events { objectType market { id } object { ... on StockChange {
          warehouse { id name } lines { productSize { SKU } freeToAllocateQuantity deliveredQuantity }
        } } } }""",
    )["events"]

    assert events == [
        {
            "objectType": "StockChange",
            "market": None,
            "object": {
                "warehouse": {"id": 104, "name": "Rotterdam"},
                "lines": [{"productSize": {"SKU": "BAG100-ONE"}, "freeToAllocateQuantity": 7, "deliveredQuantity": 7}],
            },
        }
    ]


def test_adding_an_order_validates_it_like_a_shop_file_entry(fake: CentraFake) -> None:
    template = fake.snapshot()["orders"][1]
    new_order = {
        **template,
        "id": "ffffffffffffffffffffffffffffffff",
        "number": 1010,
        "lines": [{**template["lines"][0], "id": 90}],
    }

    fake.add_order(new_order)

    assert _order(fake, 1010, "status") == {"status": "CONFIRMED"}
    # The refusal names the entry the order would have been: the shop's sixth order is orders[5], this one orders[6].
    with pytest.raises(ShopActionError, match=re.escape("orders[6].number: duplicate order number 1010")):
        fake.add_order(
            {**new_order, "id": "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "lines": [{**template["lines"][0], "id": 91}]}
        )
    with pytest.raises(ShopActionError, match=re.escape("orders[6].lines[0]: duplicate order line id 90")):
        fake.add_order({**new_order, "id": "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "number": 1011})
    with pytest.raises(ShopActionError, match=re.escape("orders[6].customer: unknown customer 999")):
        fake.add_order(
            {
                **new_order,
                "id": "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
                "number": 1011,
                "customer": {"id": 999},
                "lines": [{**template["lines"][0], "id": 91}],
            }
        )
    with pytest.raises(ShopActionError, match=re.escape("orders[6].number")):
        fake.add_order({**new_order, "number": "not a number"})
    assert [order["number"] for order in fake.snapshot()["orders"]][-1] == 1010


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda f: f.ship_order(9999), "unknown order 9999"),
        (lambda f: f.ship_order(1001), "order 1001 is SHIPPED"),
        (lambda f: f.ship_order(1005, lines={7: 3}), "order 1005 line 7: 2 left to ship, not 3"),
        (lambda f: f.ship_order(1005, lines={1: 1}), "order 1005 has no line 1"),
        (lambda f: f.complete_shipment(1), "shipment 1 is already shipped"),
        (lambda f: (f.register_return(2), f.register_return(2)), "shipment 2 has nothing left to return"),
        (lambda f: f.register_return(3), "unknown shipment 3"),
        (lambda f: f.register_return(2, lines={2: 2}), "shipment 2 line 2: 1 returnable, not 2"),
        (lambda f: f.complete_return(1), "return 1 is already completed"),
        (lambda f: f.cancel_order(1003), "order 1003 is CANCELLED"),
        (lambda f: f.update_customer(1, {"id": 7}), "a customer's id cannot change"),
        (lambda f: f.update_customer(1, {"registered": "yes"}), "customer 1: registered"),
        (lambda f: f.set_stock("BAG100-ONE", 99, 1), "unknown warehouse 99"),
        (lambda f: f.add_newsletter_subscription("x@example.com", customer_id=99), "unknown customer 99"),
    ],
)
def test_impossible_changes_are_refused(fake: CentraFake, action: object, message: str) -> None:
    with pytest.raises(ShopActionError, match=re.escape(message)):
        action(fake)  # type: ignore[operator]
