"""Shop actions that name shipments and returns without the ids the fake assigns (for scripted runs)."""

import pytest

from engage_bridge_tools.centra_fake.fake import CentraFake
from engage_bridge_tools.centra_fake.shop_actions import ShopActionError
from tests.unit.centra.fake_support import SteppingClock


@pytest.fixture
def fake() -> CentraFake:
    return CentraFake.from_file(clock=SteppingClock())


def _order(fake: CentraFake, number: int) -> dict[str, object]:
    return next(order for order in fake.snapshot()["orders"] if order["number"] == number)


def test_a_shipment_is_completed_by_its_number(fake: CentraFake) -> None:
    fake.create_shipment(1005, lines={7: 2})
    second = fake.create_shipment(1005)

    completed = fake.complete_shipment(shipment_number="1005-2")

    assert completed["id"] == second["id"] and completed["isShipped"]
    shipments = _order(fake, 1005)["shipments"]
    assert isinstance(shipments, list)
    assert [s["isShipped"] for s in shipments] == [False, True]


def test_a_return_is_registered_by_shipment_number_and_order_lines(fake: CentraFake) -> None:
    fake.ship_order(1005)  # lines 7 (2 units) and 8 (3 units) in one shipment

    returned = fake.register_return(shipment_number="1005-1", order_lines={8: 2}, handling_fee=49.0)

    shipment = _order(fake, 1005)["shipments"][0]  # type: ignore[index]
    line_for_8 = next(line for line in shipment["lines"] if line["orderLine"]["id"] == 8)
    assert [(line["shipmentLine"]["id"], line["quantity"]) for line in returned["lines"]] == [(line_for_8["id"], 2)]
    assert returned["shipment"] == {"id": shipment["id"]}
    assert returned["totals"]["handling"]["value"] == -49.0


def test_the_oldest_pending_return_of_an_order_is_completed_by_order_number(fake: CentraFake) -> None:
    fake.ship_order(1005)
    first = fake.register_return(shipment_number="1005-1", order_lines={7: 1})
    second = fake.register_return(shipment_number="1005-1", order_lines={8: 1})

    done_first = fake.complete_return(order_number=1005)
    done_second = fake.complete_return(order_number=1005)

    assert (done_first["id"], done_second["id"]) == (first["id"], second["id"])
    assert all(r["returnStatus"] == "COMPLETED" for r in (done_first, done_second))
    with pytest.raises(ShopActionError, match="order 1005 has no pending return"):
        fake.complete_return(order_number=1005)


def test_ids_still_work_as_before(fake: CentraFake) -> None:
    shipment = fake.create_shipment(1002)
    fake.complete_shipment(shipment["id"])
    returned = fake.register_return(shipment["id"], handling_fee=5.0)

    assert fake.complete_return(returned["id"])["returnStatus"] == "COMPLETED"


@pytest.mark.parametrize(
    ("action", "error", "message"),
    [
        (lambda f: f.complete_shipment(shipment_number="1005-9"), ShopActionError, "unknown shipment 1005-9"),
        (lambda f: f.complete_shipment(), TypeError, "give shipment_id or shipment_number"),
        (lambda f: f.complete_shipment(1, shipment_number="1001-1"), TypeError, "not both"),
        (lambda f: f.register_return(shipment_number="1001-1", order_lines={2: 1}), ShopActionError, "order line 2"),
        (lambda f: f.register_return(2, lines={2: 1}, order_lines={2: 1}), TypeError, "lines or order_lines"),
        (lambda f: f.complete_return(), TypeError, "give return_id or order_number"),
        (lambda f: f.complete_return(order_number=1002), ShopActionError, "order 1002 has no pending return"),
        (lambda f: f.complete_return(order_number=999), ShopActionError, "unknown order 999"),
    ],
)
def test_naming_the_wrong_thing_is_refused(fake: CentraFake, action: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        action(fake)  # type: ignore[operator]
