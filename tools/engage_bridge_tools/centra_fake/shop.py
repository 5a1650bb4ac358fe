"""The shop file: loading, validation with errors that name the entry, and lookups for the resolvers.

Entries stay plain JSON dicts in Centra's response shape, so the GraphQL layer can serve them as stored
and the shop mutations change them in place.
"""

import copy
import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engage_bridge_tools.centra_fake.shop_schema import OrderEntry, ShopFile

Entry = dict[str, Any]
EntryValidator = Callable[[str, Entry], None]  # (collection name, entry); raises ValueError on a bad entry


class ShopFileError(ValueError):
    """The shop file is invalid; ``problems`` lists every finding as ``<path>: <problem>``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"invalid shop file ({len(problems)} problems):\n  {shown}{more}")


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class Shop:
    """The shop's current state. Not thread-safe: the fake serialises access."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.stores: list[Entry] = document.get("stores", [])
        self.markets: list[Entry] = document.get("markets", [])
        self.warehouses: list[Entry] = document.get("warehouses", [])
        self.customers: list[Entry] = document.get("customers", [])
        self.accounts: list[Entry] = document.get("accounts", [])
        self.newsletter_subscriptions: list[Entry] = document.get("newsletterSubscriptions", [])
        self.orders: list[Entry] = document.get("orders", [])
        self.stock: list[Entry] = document.get("stock", [])
        self.displays: list[Entry] = document.get("displays", [])
        # Created by stock mutations so StockChange events have an object; not part of the file format.
        self.stock_changes: list[Entry] = []
        self._size_ids: dict[str, int] = {}

    def to_document(self) -> dict[str, Any]:
        return copy.deepcopy(
            {
                "stores": self.stores,
                "markets": self.markets,
                "warehouses": self.warehouses,
                "customers": self.customers,
                "accounts": self.accounts,
                "newsletterSubscriptions": self.newsletter_subscriptions,
                "orders": self.orders,
                "stock": self.stock,
                "displays": self.displays,
            }
        )

    # -- lookups -----------------------------------------------------------------------------------

    def store(self, store_id: int) -> Entry | None:
        return next((store for store in self.stores if store["id"] == store_id), None)

    def market(self, market_id: int) -> Entry | None:
        return next((market for market in self.markets if market["id"] == market_id), None)

    def warehouse(self, warehouse_id: int) -> Entry | None:
        return next((warehouse for warehouse in self.warehouses if warehouse["id"] == warehouse_id), None)

    def product_size_id(self, sku: str) -> int:
        """A stable ``ProductSize.id`` for a SKU: its place among the shop's SKUs, in order of appearance."""
        if sku not in self._size_ids:
            self._size_ids[sku] = len(self._size_ids) + 1
        return self._size_ids[sku]

    def stock_of(self, sku: str) -> list[Entry]:
        return [entry for entry in self.stock if entry["productSize"]["SKU"] == sku]

    def customer(self, customer_id: int) -> Entry | None:
        return next((customer for customer in self.customers if customer["id"] == customer_id), None)

    def account(self, account_id: int) -> Entry | None:
        return next((account for account in self.accounts if account["id"] == account_id), None)

    def newsletter_subscription(self, subscription_id: int) -> Entry | None:
        return next((entry for entry in self.newsletter_subscriptions if entry["id"] == subscription_id), None)

    def order(self, *, number: int | None = None, order_id: str | None = None) -> Entry | None:
        return next(
            (
                order
                for order in self.orders
                if (number is None or order["number"] == number) and (order_id is None or order["id"] == order_id)
            ),
            None,
        )

    def shipments(self) -> Iterator[tuple[Entry, Entry]]:
        """(order, shipment) pairs in file order."""
        for order in self.orders:
            for shipment in order.get("shipments", []):
                yield order, shipment

    def returns(self) -> Iterator[tuple[Entry, Entry]]:
        for order in self.orders:
            for return_ in order.get("returns", []):
                yield order, return_

    def shipment(self, shipment_id: int) -> tuple[Entry, Entry] | None:
        return next((pair for pair in self.shipments() if pair[1]["id"] == shipment_id), None)

    def return_(self, return_id: int) -> tuple[Entry, Entry] | None:
        return next((pair for pair in self.returns() if pair[1]["id"] == return_id), None)

    def order_line(self, order: Entry, line_id: int) -> Entry | None:
        return next((line for line in order["lines"] if line["id"] == line_id), None)

    def find_order_line(self, line_id: int) -> Entry | None:
        return next((line for order in self.orders for line in order["lines"] if line["id"] == line_id), None)

    def stock_change(self, stock_change_id: int) -> Entry | None:
        return next((entry for entry in self.stock_changes if entry["id"] == stock_change_id), None)

    def store_type(self, order: Entry) -> str:
        store = self.store(order["store"]["id"])
        return str(store["type"]) if store else "DIRECT_TO_CONSUMER"

    def next_id(self, values: Iterator[int]) -> int:
        return max(values, default=0) + 1


def load_shop(path: Path, validate_entry: EntryValidator | None = None) -> Shop:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ShopFileError([f"{path.name}: invalid JSON at line {error.lineno} column {error.colno}"]) from None
    return parse_shop(document, validate_entry)


def parse_shop(document: Any, validate_entry: EntryValidator | None = None) -> Shop:
    """Validate structure, then links and quantities; raise :class:`ShopFileError` listing all problems."""
    try:
        ShopFile.model_validate(document)
    except ValidationError as error:
        raise ShopFileError([f"{_path(item['loc'])}: {item['msg']}" for item in error.errors()]) from None
    document = copy.deepcopy(document)
    shop = Shop(document)
    problems = list(_integrity_problems(shop))
    if validate_entry is not None:
        problems += _entry_model_problems(shop, validate_entry)
    if problems:
        raise ShopFileError(problems)
    return shop


def new_order_problems(shop: Shop, order: Entry, validate_entry: EntryValidator | None = None) -> list[str]:
    """What :func:`parse_shop` would find wrong with ``order`` appended to a valid shop, without checking the rest
    again (doing that for every order placed made a large run's order placement quadratic)."""
    where = f"orders[{len(shop.orders)}]"
    try:
        OrderEntry.model_validate(order)
    except ValidationError as error:
        return [f"{_path(('orders', len(shop.orders), *item['loc']))}: {item['msg']}" for item in error.errors()]
    problems = [*_order_link_problems(shop, order, where), *_new_order_duplicates(shop, order, where)]
    problems += [*_shipment_problems(shop, order, where), *_return_problems(order, where)]
    if validate_entry is not None:
        try:
            validate_entry("orders", order)
        except ValueError as error:
            problems.append(f"{where}: {error}")
    return problems


def _new_order_duplicates(shop: Shop, order: Entry, where: str) -> Iterator[str]:
    if shop.order(number=order["number"]) is not None:
        yield f"{where}.number: duplicate order number {order['number']}"
    if shop.order(order_id=order["id"]) is not None:
        yield f"{where}.id: duplicate order id {order['id']}"
    taken_lines = {line["id"] for existing in shop.orders for line in existing["lines"]}
    line_ids = [line["id"] for line in order["lines"]]
    for line_index, line_id in enumerate(line_ids):
        if line_id in taken_lines or line_ids.count(line_id) > 1:
            yield f"{where}.lines[{line_index}]: duplicate order line id {line_id}"
    for kind, label, pairs in (("shipments", "shipment", shop.shipments()), ("returns", "return", shop.returns())):
        taken = {entry["id"] for _, entry in pairs}
        ids = [entry["id"] for entry in order.get(kind, [])]
        for index, entry_id in enumerate(ids):
            if entry_id in taken or ids.count(entry_id) > 1:
                yield f"{where}.{kind}[{index}]: duplicate {label} id {entry_id}"


def _entry_model_problems(shop: Shop, validate_entry: EntryValidator) -> list[str]:
    problems: list[str] = []
    collections = {
        "customers": shop.customers,
        "newsletterSubscriptions": shop.newsletter_subscriptions,
        "orders": shop.orders,
        "stock": shop.stock,
    }
    for name, entries in collections.items():
        for index, entry in enumerate(entries):
            try:
                validate_entry(name, entry)
            except ValueError as error:
                problems.append(f"{name}[{index}]: {error}")
    return problems


def _duplicates(values: list[Any]) -> set[Any]:
    return {value for value, count in Counter(values).items() if count > 1}


def _integrity_problems(shop: Shop) -> Iterator[str]:  # noqa: PLR0912 - one flat list of checks reads best
    for name, entries in (
        ("stores", shop.stores),
        ("markets", shop.markets),
        ("warehouses", shop.warehouses),
        ("customers", shop.customers),
        ("accounts", shop.accounts),
        ("newsletterSubscriptions", shop.newsletter_subscriptions),
    ):
        duplicated = _duplicates([entry["id"] for entry in entries])
        for index, entry in enumerate(entries):
            if entry["id"] in duplicated:
                yield f"{name}[{index}]: duplicate id {entry['id']}"

    for index, customer in enumerate(shop.customers):
        if shop.store(customer["store"]["id"]) is None:
            yield f"customers[{index}].store: unknown store {customer['store']['id']}"

    for index, subscription in enumerate(shop.newsletter_subscriptions):
        where = f"newsletterSubscriptions[{index}]"
        if subscription.get("customer") and shop.customer(subscription["customer"]["id"]) is None:
            yield f"{where}.customer: unknown customer {subscription['customer']['id']}"
        if subscription.get("store") and shop.store(subscription["store"]["id"]) is None:
            yield f"{where}.store: unknown store {subscription['store']['id']}"
        if subscription.get("market") and shop.market(subscription["market"]["id"]) is None:
            yield f"{where}.market: unknown market {subscription['market']['id']}"

    order_numbers = _duplicates([order["number"] for order in shop.orders])
    order_ids = _duplicates([order["id"] for order in shop.orders])
    line_ids = _duplicates([line["id"] for order in shop.orders for line in order["lines"]])
    shipment_ids = _duplicates([shipment["id"] for _, shipment in shop.shipments()])
    return_ids = _duplicates([return_["id"] for _, return_ in shop.returns()])
    for index, order in enumerate(shop.orders):
        where = f"orders[{index}]"
        if order["number"] in order_numbers:
            yield f"{where}.number: duplicate order number {order['number']}"
        if order["id"] in order_ids:
            yield f"{where}.id: duplicate order id {order['id']}"
        yield from _order_link_problems(shop, order, where)
        for line_index, line in enumerate(order["lines"]):
            if line["id"] in line_ids:
                yield f"{where}.lines[{line_index}]: duplicate order line id {line['id']}"
        for shipment_index, shipment in enumerate(order.get("shipments", [])):
            if shipment["id"] in shipment_ids:
                yield f"{where}.shipments[{shipment_index}]: duplicate shipment id {shipment['id']}"
        for return_index, return_ in enumerate(order.get("returns", [])):
            if return_["id"] in return_ids:
                yield f"{where}.returns[{return_index}]: duplicate return id {return_['id']}"
        yield from _shipment_problems(shop, order, where)
        yield from _return_problems(order, where)

    seen_stock: set[tuple[str, int]] = set()
    for index, stock in enumerate(shop.stock):
        key = (stock["productSize"]["SKU"], stock["warehouse"]["id"])
        if shop.warehouse(key[1]) is None:
            yield f"stock[{index}].warehouse: unknown warehouse {key[1]}"
        if key in seen_stock:
            yield f"stock[{index}]: duplicate entry for SKU {key[0]} in warehouse {key[1]}"
        seen_stock.add(key)


def _order_link_problems(shop: Shop, order: Entry, where: str) -> Iterator[str]:
    store = shop.store(order["store"]["id"])
    if store is None:
        yield f"{where}.store: unknown store {order['store']['id']}"
    if order.get("market") and shop.market(order["market"]["id"]) is None:
        yield f"{where}.market: unknown market {order['market']['id']}"
    wholesale = store is not None and store["type"] == "WHOLESALE"
    if order.get("customer") is not None:
        if wholesale:
            yield f"{where}.customer: a wholesale order has an account, not a customer"
        elif shop.customer(order["customer"]["id"]) is None:
            yield f"{where}.customer: unknown customer {order['customer']['id']}"
    if order.get("account") is not None:
        if not wholesale:
            yield f"{where}.account: only wholesale orders have an account"
        elif shop.account(order["account"]["id"]) is None:
            yield f"{where}.account: unknown account {order['account']['id']}"
    for line_index, line in enumerate(order["lines"]):
        if line["returnedQuantity"] > line["quantity"]:
            yield f"{where}.lines[{line_index}]: returnedQuantity exceeds quantity"


def _shipment_problems(shop: Shop, order: Entry, where: str) -> Iterator[str]:
    shipped: Counter[int] = Counter()
    for shipment_index, shipment in enumerate(order.get("shipments", [])):
        for line_index, line in enumerate(shipment["lines"]):
            line_id = line["orderLine"]["id"]
            if shop.order_line(order, line_id) is None:
                yield f"{where}.shipments[{shipment_index}].lines[{line_index}]: unknown order line {line_id}"
            shipped[line_id] += line["quantity"]
    for line_index, line in enumerate(order["lines"]):
        if shipped[line["id"]] > line["quantity"]:
            yield f"{where}.lines[{line_index}]: shipped {shipped[line['id']]} of {line['quantity']}"


def _return_problems(order: Entry, where: str) -> Iterator[str]:
    shipments = {shipment["id"]: shipment for shipment in order.get("shipments", [])}
    returned: Counter[int] = Counter()
    for return_index, return_ in enumerate(order.get("returns", [])):
        shipment = shipments.get(return_["shipment"]["id"])
        if shipment is None:
            shipment_id = return_["shipment"]["id"]
            yield f"{where}.returns[{return_index}].shipment: unknown shipment {shipment_id} of this order"
            continue
        shipment_lines = {line["id"]: line for line in shipment["lines"]}
        for line_index, line in enumerate(return_["lines"]):
            line_id = line["shipmentLine"]["id"]
            if line_id not in shipment_lines:
                yield f"{where}.returns[{return_index}].lines[{line_index}]: unknown shipment line {line_id}"
                continue
            returned[line_id] += line["quantity"]
            if returned[line_id] > shipment_lines[line_id]["quantity"]:
                yield f"{where}.returns[{return_index}].lines[{line_index}]: returns more than shipment line {line_id}"
