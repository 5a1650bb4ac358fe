"""The fake serves Centra's published contract and nothing more, and what it serves parses with the bridge's models.

The fake reads ``contract/centra/schema.graphql`` and ``assumptions.graphql`` by path and imports nothing from the
bridge; these tests hold it to that: no root field no source shows, assumed names marked, fully cancelled lines
left out unless asked, stock per warehouse, and every refused document recorded.
"""

import ast
from pathlib import Path
from typing import Any

import pytest

from engage_bridge.centra import Customer, NewsletterSubscription, Order, queries
from engage_bridge.centra.assumptions import ASSUMPTIONS, evidence_schema
from engage_bridge_tools.centra_fake import graphql_api
from engage_bridge_tools.centra_fake.fake import CentraFake
from tests.unit.centra.fake_support import data

FAKE_PACKAGE = Path(graphql_api.__file__).resolve().parent
WIDE = {"from": "2000-01-01T00:00:00+00:00", "to": "2100-01-01T00:00:00+00:00", "limit": 200, "page": 1}


@pytest.fixture
def fake() -> CentraFake:
    return CentraFake.from_file()


def _order(fake: CentraFake, number: int) -> Order:
    [order] = data(fake, queries.ORDER, {"number": number})["orders"]
    shipments = data(fake, queries.ORDER_SHIPMENTS, {"orderIds": [order["id"]], "limit": 200, "page": 1})
    return Order.model_validate({**order, "shipments": shipments["shipments"]})


def test_no_module_of_the_fake_imports_the_bridge() -> None:
    for module in FAKE_PACKAGE.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names]
        assert not [name for name in imported if name.split(".")[0] == "engage_bridge"], module.name


def test_the_schema_is_the_contract_plus_the_assumptions_and_nothing_else() -> None:
    served, evidence = graphql_api.fake_schema(), evidence_schema()
    assumed = {a.coordinate for a in ASSUMPTIONS}
    for name, named in served.type_map.items():
        if name.startswith("__"):
            continue
        published = evidence.get_type(name)
        assert published is not None, f"type {name} is not in the contract"
        for member in getattr(named, "fields", None) or getattr(named, "values", None) or {}:
            in_contract = member in (getattr(published, "fields", None) or getattr(published, "values", None) or {})
            assert in_contract or f"{name}.{member}" in assumed, f"{name}.{member}"


@pytest.mark.parametrize(
    "query", ["{ order(number: 1001) { id } }", "{ customer(id: 1) { id } }", '{ stock(where: {SKU: ["X"]}) { id } }']
)
def test_root_fields_no_source_shows_are_refused_and_recorded(fake: CentraFake, query: str) -> None:
    response = fake.execute(query, operation_name=None)

    assert "Cannot query field" in response["errors"][0]["message"]
    assert fake.refused and "Cannot query field" in fake.refused[-1][1][0]


def test_assumed_names_say_so_in_introspection(fake: CentraFake) -> None:
    fields = data(fake, '{ __type(name: "Customer") { fields { name description } } }')["__type"]["fields"]
    described = {field["name"]: field["description"] or "" for field in fields}

    assert described["receiveNewsletters"].startswith(graphql_api.ASSUMED_PREFIX)
    assert not described["email"].startswith(graphql_api.ASSUMED_PREFIX)
    assert data(fake, "{ __schema { queryType { name } } }")["__schema"]["queryType"]["name"] == "Query"


def test_a_fake_without_a_field_plays_a_tenant_that_lacks_it() -> None:
    fake = CentraFake.from_file(without=frozenset({"Order.returns"}))

    response = fake.execute(queries.ORDER, {"number": 1001}, operation_name="Order")

    assert "Cannot query field 'returns' on type 'Order'" in response["errors"][0]["message"]
    with pytest.raises(ValueError, match=r"Order\.nothing"):
        graphql_api.fake_schema(frozenset({"Order.nothing"}))


def test_every_order_parses_and_the_split_shipped_order_keeps_its_detail(fake: CentraFake) -> None:
    orders = data(fake, queries.ORDERS_CREATED_BETWEEN, WIDE)["orders"]
    assert {Order.model_validate(order).number for order in orders} == {1001, 1002, 1003, 1004, 1005}

    order = _order(fake, 1001)
    assert [shipment.number for shipment in order.shipments] == ["1001-1", "1001-2"]
    assert all(shipment.is_completed for shipment in order.shipments)
    assert order.returns[0].totals is not None and order.returns[0].totals.handling is not None
    assert order.returns[0].totals.handling.value < 0  # a fee the customer pays
    assert order.discounts_applied[0].voucher is not None and order.discounts_applied[0].voucher.code == "SPRING20"
    assert order.customer is not None and order.customer.registered is True and order.customer.newsletter is True


def test_a_wholesale_order_is_served_as_the_one_published_order_type_with_its_store_typed(fake: CentraFake) -> None:
    [order] = data(fake, "{ orders(where: {number: [1004]}) { __typename store { type } } }")["orders"]

    assert order == {"__typename": "DirectToConsumerOrder", "store": {"type": "WHOLESALE"}}


def test_fully_cancelled_lines_are_left_out_unless_asked(fake: CentraFake) -> None:
    number = next(o["number"] for o in fake.shop.orders if any(line["quantity"] == 0 for line in o["lines"]))
    query = (
        "query($n: Int!) { orders(where: {number: [$n]}) "
        "{ lines { id } all: lines(includeFullyCancelled: true) { id } } }"
    )

    [order] = data(fake, query, {"n": number})["orders"]

    assert len(order["all"]) > len(order["lines"])


def test_customers_and_newsletter_subscriptions_parse(fake: CentraFake) -> None:
    customers = data(fake, queries.CUSTOMERS_UPDATED_BETWEEN, WIDE)["customers"]
    subscriptions = [
        data(fake, queries.NEWSLETTER_SUBSCRIPTION, {"id": entry["id"]})["newsletterSubscriptions"][0]
        for entry in fake.shop.newsletter_subscriptions
    ]

    assert {Customer.model_validate(c).registered for c in customers} == {True, False}
    parsed = [NewsletterSubscription.model_validate(s) for s in subscriptions]
    assert all(s.subscribed is not None and s.store is not None for s in parsed)
    assert all("market" not in s and "customer" not in s for s in subscriptions)


def test_stock_is_per_warehouse_and_a_stock_change_names_its_warehouse(fake: CentraFake) -> None:
    data(fake, "mutation { setEventListeners(input: [{objectType: StockChange}]) { userErrors { path } } }")
    fake.set_stock("BAG100-ONE", 104, 7)
    variables: dict[str, Any] = {"events": 10, "lineLimit": 100, "linePage": 1, "warehouseIds": None, "stockLimit": 50}

    [event] = data(fake, queries.STOCK_CHANGE_LINES, variables)["events"]

    [line] = event["object"]["lines"]
    rows = {row["warehouse"]["id"]: row["freeToAllocateQuantity"] for row in line["productSize"]["stock"]}
    assert line["productSize"]["SKU"] == "BAG100-ONE" and rows == {101: 12, 104: 7}
    only = data(fake, queries.STOCK_CHANGE_LINES, {**variables, "warehouseIds": [101]})["events"][0]
    assert only["object"]["lines"][0]["productSize"]["stock"] == [
        {"warehouse": {"id": 101}, "freeToAllocateQuantity": 12}
    ]


def test_mixing_types_without_aliases_fails_as_in_centra(fake: CentraFake) -> None:
    # Order.id is a String hash, Customer.id an Int: Centra's docs say to alias when mixing types.
    response = fake.execute("{ events { object { ... on DirectToConsumerOrder { id } ... on Customer { id } } } }")

    assert "conflict" in response["errors"][0]["message"]
