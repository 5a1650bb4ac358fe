"""The shop file: the sample is valid, and every kind of bad entry is refused naming the entry."""

import json
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest

from engage_bridge_tools.centra_fake.fake import SAMPLE_SHOP, CentraFake
from engage_bridge_tools.centra_fake.shop import ShopFileError, load_shop, parse_shop

SAMPLE: dict[str, Any] = json.loads(SAMPLE_SHOP.read_text(encoding="utf-8"))


def _problems(document: Any) -> list[str]:
    with pytest.raises(ShopFileError) as caught:
        parse_shop(document)
    return caught.value.problems


def _order(document: dict[str, Any], number: int) -> dict[str, Any]:
    order: dict[str, Any] = next(order for order in document["orders"] if order["number"] == number)
    return order


def test_the_sample_shop_is_valid_and_covers_the_documented_cases() -> None:
    shop = load_shop(SAMPLE_SHOP)

    assert {customer["registered"] for customer in shop.customers} == {True, False}
    assert any(entry["customer"] is None for entry in shop.newsletter_subscriptions)
    assert {order["status"] for order in shop.orders} >= {"SHIPPED", "CONFIRMED", "CANCELLED"}
    assert any(len(order["shipments"]) > 1 for order in shop.orders)
    assert any(ret["totals"]["handling"]["value"] < 0 for _, ret in shop.returns())
    assert any(order["discountsApplied"] for order in shop.orders)
    assert {shop.store_type(order) for order in shop.orders} == {"DIRECT_TO_CONSUMER", "WHOLESALE"}
    assert shop.stock


def test_a_shipment_line_naming_an_unknown_order_line() -> None:
    document = deepcopy(SAMPLE)
    _order(document, 1001)["shipments"][1]["lines"][0]["orderLine"]["id"] = 17

    assert "orders[0].shipments[1].lines[0]: unknown order line 17" in _problems(document)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["orders"][1].update(number=1001), "orders[1].number: duplicate order number 1001"),
        (lambda d: d["orders"][1]["customer"].update(id=99), "orders[1].customer: unknown customer 99"),
        (lambda d: d["orders"][1]["market"].update(id=9), "orders[1].market: unknown market 9"),
        (lambda d: d["orders"][3].update(customer={"id": 1}), "orders[3].customer: a wholesale order has an account"),
        (
            lambda d: d["orders"][1].update(account={"id": 1}),
            "orders[1].account: only wholesale orders have an account",
        ),
        (lambda d: d["customers"][1].update(id=1), "customers[1]: duplicate id 1"),
        (lambda d: d["customers"][0]["store"].update(id=5), "customers[0].store: unknown store 5"),
        (lambda d: d["newsletterSubscriptions"][0]["customer"].update(id=42), "newsletterSubscriptions[0].customer"),
        (
            lambda d: d["stock"].append(deepcopy(d["stock"][0])),
            "stock[5]: duplicate entry for SKU BAG100-ONE in warehouse 101",
        ),
        (
            lambda d: d["orders"][0]["returns"][0]["shipment"].update(id=7),
            "orders[0].returns[0].shipment: unknown shipment 7",
        ),
        (lambda d: d["orders"][0]["returns"][0]["lines"][0].update(quantity=3), "returns more than shipment line 2"),
        (lambda d: d["orders"][0]["lines"][0].update(quantity=0), "orders[0].lines[0]: shipped 1 of 0"),
        (lambda d: d["orders"][1]["lines"][0].update(id=1), "orders[1].lines[0]: duplicate order line id 1"),
    ],
)
def test_integrity_problems_name_the_entry(change: Any, problem: str) -> None:
    document = deepcopy(SAMPLE)
    change(document)

    assert any(problem in found for found in _problems(document)), _problems(document)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["orders"][2].pop("number"), "orders[2].number: Field required"),
        (lambda d: d["orders"][0]["lines"][1].update(quantity=-1), "orders[0].lines[1].quantity"),
        (lambda d: d["orders"][0].update(status="LOST"), "orders[0].status"),
        (lambda d: d["customers"][0].update(createdAt="2026-01-01 10:00"), "customers[0].createdAt"),
        (lambda d: d["orders"][0]["grandTotal"]["currency"].update(code="kr"), "orders[0].grandTotal.currency.code"),
        (lambda d: d.update(products=[]), "products: Extra inputs are not permitted"),
    ],
)
def test_structural_problems_name_the_field(change: Any, problem: str) -> None:
    document = deepcopy(SAMPLE)
    change(document)

    assert any(problem in found for found in _problems(document)), _problems(document)


def test_stock_names_a_known_warehouse() -> None:
    document = deepcopy(SAMPLE)
    document["stock"][0]["warehouse"]["id"] = 999

    assert "stock[0].warehouse: unknown warehouse 999" in _problems(document)


def test_invalid_json_names_the_position(tmp_path: Path) -> None:
    path = tmp_path / "shop.json"
    path.write_text('{"stores": [}', encoding="utf-8")

    with pytest.raises(ShopFileError, match=r"shop.json: invalid JSON at line 1 column 13"):
        load_shop(path)


def test_the_fake_does_not_share_state_with_the_document_it_was_given() -> None:
    document = deepcopy(SAMPLE)
    fake = CentraFake.from_document(document)

    fake.cancel_order(1002)

    assert _order(document, 1002)["status"] == "CONFIRMED"
    assert _order(fake.snapshot(), 1002)["status"] == "CANCELLED"
