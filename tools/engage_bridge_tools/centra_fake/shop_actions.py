"""Changes to the shop that tests and the demo trigger, each returning the Centra events it causes.

Every function mutates the shop in place and returns the :class:`Change` list that Centra would report
(object type and change type as in its events system; orders referenced by number). The fake turns
those into queued events and webhooks.
"""

import copy
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from engage_bridge_tools.centra_fake.shop import (
    Entry,
    EntryValidator,
    Shop,
    new_order_problems,
)
from engage_bridge_tools.centra_fake.shop_schema import CustomerEntry

OPEN_STATUSES = ("PENDING", "CONFIRMED", "PROCESSING")


class ShopActionError(ValueError):
    """The requested change is impossible in the current shop (unknown id, nothing left to ship, ...)."""


@dataclass(frozen=True)
class Change:
    object_type: str
    change_type: str
    reference: int
    store_id: int | None = None
    market_id: int | None = None


def _stamp(now: datetime) -> str:
    return now.isoformat(timespec="seconds")


def _ref_id(entry: Entry, key: str) -> int | None:
    ref = entry.get(key)
    return ref.get("id") if isinstance(ref, dict) else None


def _order_change(order: Entry, change_type: str) -> Change:
    return Change("Order", change_type, order["number"], _ref_id(order, "store"), _ref_id(order, "market"))


def _money(value: float, like: Entry) -> Entry:
    return {"value": round(value, 2), "currency": dict(like["currency"])}


def _require_order(shop: Shop, number: int) -> Entry:
    order = shop.order(number=number)
    if order is None:
        raise ShopActionError(f"unknown order {number}")
    return order


def _shipped_quantities(order: Entry) -> Counter[int]:
    shipped: Counter[int] = Counter()
    for shipment in order.get("shipments", []):
        for line in shipment["lines"]:
            shipped[line["orderLine"]["id"]] += line["quantity"]
    return shipped


def _shipment_id(shop: Shop, shipment_id: int | None, shipment_number: str | None) -> int:
    """The id of the shipment named by id or by number (exactly one of them)."""
    if (shipment_id is None) == (shipment_number is None):
        raise TypeError("give shipment_id or shipment_number, not both")
    if shipment_id is not None:
        return shipment_id
    found = next((shipment for _, shipment in shop.shipments() if shipment["number"] == shipment_number), None)
    if found is None:
        raise ShopActionError(f"unknown shipment {shipment_number}")
    return int(found["id"])


def _shipment_lines_of(shipment: Entry, order_lines: Mapping[int, int]) -> dict[int, int]:
    """Order line id -> quantity, as the shipment's own line ids (a shipment lists an order line once)."""
    by_order_line = {line["orderLine"]["id"]: line["id"] for line in shipment["lines"]}
    missing = [line_id for line_id in order_lines if line_id not in by_order_line]
    if missing:
        raise ShopActionError(f"shipment {shipment['number']} does not ship order line {missing[0]}")
    return {by_order_line[line_id]: quantity for line_id, quantity in order_lines.items()}


def create_shipment(
    shop: Shop,
    now: datetime,
    order_number: int,
    lines: Mapping[int, int] | None = None,
    tracking_number: str | None = None,
) -> tuple[Entry, list[Change]]:
    """A good-to-go shipment of ``lines`` (order line id -> quantity; default: everything unshipped)."""
    order = _require_order(shop, order_number)
    if order["status"] not in OPEN_STATUSES:
        raise ShopActionError(f"order {order_number} is {order['status']}, nothing can be shipped")
    shipped = _shipped_quantities(order)
    remaining = {line["id"]: line["quantity"] - shipped[line["id"]] for line in order["lines"]}
    wanted = dict(lines) if lines is not None else {line_id: qty for line_id, qty in remaining.items() if qty > 0}
    if not wanted:
        raise ShopActionError(f"order {order_number} has nothing left to ship")
    for line_id, quantity in wanted.items():
        if line_id not in remaining:
            raise ShopActionError(f"order {order_number} has no line {line_id}")
        if not 0 < quantity <= remaining[line_id]:
            raise ShopActionError(
                f"order {order_number} line {line_id}: {remaining[line_id]} left to ship, not {quantity}"
            )

    next_line_id = shop.next_id(line["id"] for _, shipment in shop.shipments() for line in shipment["lines"])
    by_id = {line["id"]: line for line in order["lines"]}
    shipment_lines: list[Entry] = [
        {
            "id": next_line_id + index,
            "quantity": quantity,
            "lineValue": _money(by_id[line_id]["unitPrice"]["value"] * quantity, by_id[line_id]["unitPrice"]),
            "orderLine": {"id": line_id},
        }
        for index, (line_id, quantity) in enumerate(wanted.items())
    ]
    shipment: Entry = {
        "id": shop.next_id(shipment["id"] for _, shipment in shop.shipments()),
        "number": f"{order_number}-{len(order.get('shipments', [])) + 1}",
        "createdAt": _stamp(now),
        "updatedAt": _stamp(now),
        "isGoodToGo": True,
        "isShipped": False,
        "isPaid": False,
        "shippedAt": None,
        "trackingNumber": tracking_number,
        "numberOfPackages": 1,
        "grandTotal": _money(sum(line["lineValue"]["value"] for line in shipment_lines), order["grandTotal"]),
        "lines": shipment_lines,
    }
    order.setdefault("shipments", []).append(shipment)
    order["status"] = "PROCESSING"
    order["updatedAt"] = _stamp(now)
    store_id, market_id = _ref_id(order, "store"), _ref_id(order, "market")
    return shipment, [
        Change("Shipment", "CREATED", shipment["id"], store_id, market_id),
        _order_change(order, "UPDATED"),
    ]


def complete_shipment(
    shop: Shop, now: datetime, shipment_id: int | None = None, *, shipment_number: str | None = None
) -> tuple[Entry, list[Change]]:
    """Mark the shipment shipped (and paid); the order is completed once every unit has shipped.

    The shipment is named by its id or by its number (``"<order number>-<n>"``), which a caller that did not
    create it knows in advance.
    """
    shipment_id = _shipment_id(shop, shipment_id, shipment_number)
    found = shop.shipment(shipment_id)
    if found is None:
        raise ShopActionError(f"unknown shipment {shipment_id}")
    order, shipment = found
    if shipment["isShipped"]:
        raise ShopActionError(f"shipment {shipment_id} is already shipped")
    shipment.update(isShipped=True, isPaid=True, shippedAt=_stamp(now), updatedAt=_stamp(now))
    shipped_units = Counter[int]()
    for other in order["shipments"]:
        if other["isShipped"]:
            for line in other["lines"]:
                shipped_units[line["orderLine"]["id"]] += line["quantity"]
    complete = all(shipped_units[line["id"]] >= line["quantity"] for line in order["lines"])
    order["updatedAt"] = _stamp(now)
    if complete:
        order["status"] = "SHIPPED"
    store_id, market_id = _ref_id(order, "store"), _ref_id(order, "market")
    return shipment, [
        Change("Shipment", "COMPLETED", shipment_id, store_id, market_id),
        _order_change(order, "COMPLETED" if complete else "UPDATED"),
    ]


def register_return(
    shop: Shop,
    now: datetime,
    shipment_id: int | None = None,
    lines: Mapping[int, int] | None = None,
    *,
    handling_fee: float = 0.0,
    comment: str | None = None,
    shipment_number: str | None = None,
    order_lines: Mapping[int, int] | None = None,
) -> tuple[Entry, list[Change]]:
    """A pending return of ``lines`` (shipment line id -> quantity; default: the whole shipment).

    ``shipment_number`` may name the shipment instead of its id, and ``order_lines`` (order line id -> quantity)
    the units instead of shipment line ids, so a scripted return needs no id the fake assigned.
    ``handling_fee`` is what the customer pays; Centra reports it as a negative ``totals.handling``.
    """
    shipment_id = _shipment_id(shop, shipment_id, shipment_number)
    found = shop.shipment(shipment_id)
    if found is None:
        raise ShopActionError(f"unknown shipment {shipment_id}")
    order, shipment = found
    if order_lines is not None:
        if lines is not None:
            raise TypeError("give lines or order_lines, not both")
        lines = _shipment_lines_of(shipment, order_lines)
    if not shipment["isShipped"]:
        raise ShopActionError(f"shipment {shipment_id} has not shipped; nothing can be returned")
    already: Counter[int] = Counter()
    for return_ in order.get("returns", []):
        for line in return_["lines"]:
            already[line["shipmentLine"]["id"]] += line["quantity"]
    available = {line["id"]: line["quantity"] - already[line["id"]] for line in shipment["lines"]}
    wanted = dict(lines) if lines is not None else {line_id: qty for line_id, qty in available.items() if qty > 0}
    if not wanted:
        raise ShopActionError(f"shipment {shipment_id} has nothing left to return")
    for line_id, quantity in wanted.items():
        if line_id not in available:
            raise ShopActionError(f"shipment {shipment_id} has no line {line_id}")
        if not 0 < quantity <= available[line_id]:
            raise ShopActionError(
                f"shipment {shipment_id} line {line_id}: {available[line_id]} returnable, not {quantity}"
            )

    shipment_lines = {line["id"]: line for line in shipment["lines"]}
    next_line_id = shop.next_id(line["id"] for _, return_ in shop.returns() for line in return_["lines"])
    return_lines: list[Entry] = []
    for index, (line_id, quantity) in enumerate(wanted.items()):
        order_line = shop.find_order_line(shipment_lines[line_id]["orderLine"]["id"])
        assert order_line is not None  # noqa: S101 - the shop file's integrity check guarantees it
        order_line["returnedQuantity"] += quantity
        return_lines.append(
            {
                "id": next_line_id + index,
                "quantity": quantity,
                "lineValue": _money(order_line["unitPrice"]["value"] * quantity, order_line["unitPrice"]),
                "shipmentLine": {"id": line_id},
            }
        )
    currency_like = order["grandTotal"]
    lines_value = sum(line["lineValue"]["value"] for line in return_lines)
    created: Entry = {
        "id": shop.next_id(existing["id"] for _, existing in shop.returns()),
        "returnStatus": "PENDING",
        "createdAt": _stamp(now),
        "updatedAt": _stamp(now),
        "returnedToStock": False,
        "comment": comment,
        "grandTotal": _money(lines_value - handling_fee, currency_like),
        "totals": {"handling": _money(-handling_fee, currency_like), "shipping": _money(0, currency_like)},
        "shipment": {"id": shipment_id},
        "lines": return_lines,
    }
    order.setdefault("returns", []).append(created)
    order["updatedAt"] = _stamp(now)
    store_id, market_id = _ref_id(order, "store"), _ref_id(order, "market")
    return created, [Change("Return", "CREATED", created["id"], store_id, market_id), _order_change(order, "UPDATED")]


def complete_return(
    shop: Shop, now: datetime, return_id: int | None = None, *, order_number: int | None = None
) -> tuple[Entry, list[Change]]:
    """Complete a return, named by its id or as the oldest pending return of ``order_number``."""
    if (return_id is None) == (order_number is None):
        raise TypeError("give return_id or order_number, not both")
    if order_number is not None:
        order = _require_order(shop, order_number)
        pending = [r for r in order.get("returns", []) if r["returnStatus"] == "PENDING"]
        if not pending:
            raise ShopActionError(f"order {order_number} has no pending return")
        return_id = pending[0]["id"]
    assert return_id is not None  # noqa: S101 - one of the two was given (checked above)
    found = shop.return_(return_id)
    if found is None:
        raise ShopActionError(f"unknown return {return_id}")
    order, return_ = found
    if return_["returnStatus"] == "COMPLETED":
        raise ShopActionError(f"return {return_id} is already completed")
    return_.update(returnStatus="COMPLETED", returnedToStock=True, updatedAt=_stamp(now))
    order["updatedAt"] = _stamp(now)
    store_id, market_id = _ref_id(order, "store"), _ref_id(order, "market")
    return return_, [Change("Return", "COMPLETED", return_id, store_id, market_id), _order_change(order, "UPDATED")]


def cancel_order(shop: Shop, now: datetime, order_number: int) -> tuple[Entry, list[Change]]:
    """Cancel an order that has not shipped anything: every unit moves to ``cancelledQuantity``."""
    order = _require_order(shop, order_number)
    if order["status"] not in OPEN_STATUSES:
        raise ShopActionError(f"order {order_number} is {order['status']} and cannot be cancelled")
    if order.get("shipments"):
        raise ShopActionError(f"order {order_number} has shipments; the fake only cancels unshipped orders")
    for line in order["lines"]:
        line["cancelledQuantity"] += line["quantity"]
        line["quantity"] = 0
    order.update(status="CANCELLED", updatedAt=_stamp(now))
    return order, [_order_change(order, "UPDATED")]


def update_customer(
    shop: Shop, now: datetime, customer_id: int, changes: Mapping[str, Any]
) -> tuple[Entry, list[Change]]:
    """Merge ``changes`` (top-level Customer fields in Centra's shape) into the customer."""
    customer = shop.customer(customer_id)
    if customer is None:
        raise ShopActionError(f"unknown customer {customer_id}")
    if "id" in changes and changes["id"] != customer_id:
        raise ShopActionError("a customer's id cannot change")
    updated = {**customer, **changes, "updatedAt": _stamp(now)}
    try:
        CustomerEntry.model_validate(updated)
    except ValidationError as error:
        first = error.errors()[0]
        raise ShopActionError(f"customer {customer_id}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    customer.clear()
    customer.update(updated)
    return customer, [Change("Customer", "UPDATED", customer_id, _ref_id(customer, "store"))]


def anonymize_customer(shop: Shop, now: datetime, customer_id: int) -> tuple[Entry, list[Change]]:
    """Centra's GDPR anonymisation (``PUT anonymize-customer/<id>``, ``anonymizeCustomers``): the record is kept and
    ``CustomerFilter.isAnonymized`` finds it (centra-wave2.md §4). What its personal fields become is not published,
    so they are left as they were; the change is announced as Customer UPDATED (the record stays; an inference)."""
    customer = shop.customer(customer_id)
    if customer is None:
        raise ShopActionError(f"unknown customer {customer_id}")
    if customer.get("anonymized"):
        raise ShopActionError(f"customer {customer_id}: the personal data was already anonymized")
    customer.update(anonymized=True, updatedAt=_stamp(now))
    return customer, [Change("Customer", "UPDATED", customer_id, _ref_id(customer, "store"))]


def add_newsletter_subscription(
    shop: Shop,
    now: datetime,
    email: str,
    *,
    country_code: str | None = None,
    market_id: int | None = None,
    store_id: int | None = None,
    customer_id: int | None = None,
) -> tuple[Entry, list[Change]]:
    """A sign-up; with ``customer_id`` the customer's ``newsletter`` flag turns on as well."""
    if market_id is not None and shop.market(market_id) is None:
        raise ShopActionError(f"unknown market {market_id}")
    if store_id is not None and shop.store(store_id) is None:
        raise ShopActionError(f"unknown store {store_id}")
    customer = shop.customer(customer_id) if customer_id is not None else None
    if customer_id is not None and customer is None:
        raise ShopActionError(f"unknown customer {customer_id}")
    subscription: Entry = {
        "id": shop.next_id(entry["id"] for entry in shop.newsletter_subscriptions),
        "email": email,
        "subscribed": True,
        "createdAt": _stamp(now),
        "updatedAt": _stamp(now),
        "country": {"code": country_code} if country_code else None,
        "market": {"id": market_id} if market_id is not None else None,
        "store": {"id": store_id} if store_id is not None else None,
        "customer": {"id": customer_id} if customer_id is not None else None,
    }
    shop.newsletter_subscriptions.append(subscription)
    changes = [Change("NewsletterSubscription", "CREATED", subscription["id"], store_id, market_id)]
    if customer is not None and not customer["newsletter"]:
        customer.update(newsletter=True, updatedAt=_stamp(now))
        changes.append(Change("Customer", "UPDATED", customer["id"], _ref_id(customer, "store")))
    return subscription, changes


def set_stock(
    shop: Shop, now: datetime, sku: str, warehouse_id: int, free_to_allocate: int
) -> tuple[Entry, list[Change]]:
    """Set the free-to-allocate quantity of ``sku`` in a warehouse; records a StockChange of that warehouse.

    Centra keeps stock per product size and warehouse; a StockChange names its warehouse, never a market.
    """
    if shop.warehouse(warehouse_id) is None:
        raise ShopActionError(f"unknown warehouse {warehouse_id}")
    if free_to_allocate < 0:
        raise ShopActionError("free-to-allocate quantity cannot be negative")
    entry = next((s for s in shop.stock_of(sku) if s["warehouse"]["id"] == warehouse_id), None)
    previous = entry["freeToAllocateQuantity"] if entry else 0
    if entry is None:
        entry = {"productSize": {"SKU": sku}, "warehouse": {"id": warehouse_id}, "freeToAllocateQuantity": 0}
        shop.stock.append(entry)
    entry["freeToAllocateQuantity"] = free_to_allocate
    stock_change: Entry = {
        "id": shop.next_id(existing["id"] for existing in shop.stock_changes),
        "createdAt": _stamp(now),
        "comment": "centra-fake",
        "type": "DELIVERY" if free_to_allocate > previous else "OTHER",
        "warehouse": {"id": warehouse_id},
        "lines": [
            {
                "id": 1,
                "isAvailable": free_to_allocate > 0,
                "productSize": {"SKU": sku},
                "freeToAllocateQuantity": free_to_allocate,
                "deliveredQuantity": free_to_allocate - previous,
                "currencyBaseRate": 1.0,
                "warehouse": {"id": warehouse_id},
            }
        ],
    }
    shop.stock_changes.append(stock_change)
    return entry, [Change("StockChange", "CREATED", stock_change["id"])]


def add_order(
    shop: Shop, now: datetime, order: Entry, validate_entry: EntryValidator | None = None
) -> tuple[Entry, list[Change]]:
    """A new order (in shop-file shape), validated against the rest of the shop like a file entry."""
    if problems := new_order_problems(shop, order, validate_entry):
        raise ShopActionError("; ".join(problems))
    added = copy.deepcopy(order)
    shop.orders.append(added)
    return added, [_order_change(added, "CREATED")]
