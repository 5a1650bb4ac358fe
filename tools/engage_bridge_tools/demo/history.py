"""What a scenario's steps tell about the run: which objects produced events, in which phase, and stock over time.

The bridge acts on Centra events only, so an order the steps never touch produces nothing, whatever the shop
file holds; and what the router sees of an order is its state at the end of a phase (the runner drains the
pipeline there) or later.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engage_bridge_tools.demo.catalogue import MARKET_OF_WAREHOUSE

if TYPE_CHECKING:
    from engage_bridge_tools.demo.scenario import Scenario

Entry = dict[str, Any]
StockKey = tuple[str, int]  # (SKU, Centra market id)


@dataclass
class RunHistory:
    orders: set[int] = field(default_factory=set)  # order numbers some step touched (so Centra emitted events)
    added_in_phase: dict[int, int] = field(default_factory=dict)
    cancelled_in_phase: dict[int, int] = field(default_factory=dict)
    customer_events: set[int] = field(default_factory=set)  # customers that got a Customer UPDATED event
    customers_changed: set[int] = field(default_factory=set)  # by update_customer
    stock_after_phase: list[dict[StockKey, int]] = field(default_factory=list)
    skus_set_in_phase: list[set[str]] = field(default_factory=list)

    def saw_open(self, number: int) -> bool:
        """Whether the pipeline saw the order before it was cancelled (at the end of an earlier phase)."""
        cancelled = self.cancelled_in_phase.get(number)
        if cancelled is None:
            return True
        added = self.added_in_phase.get(number)
        return added is not None and added < cancelled


def run_history(scenario: "Scenario", final_shop: Entry) -> RunHistory:
    history = RunHistory()
    shipment_orders = _owners(final_shop, "shipments")
    return_orders = _owners(final_shop, "returns")
    newsletter = {customer["id"]: bool(customer.get("newsletter")) for customer in scenario.shop.get("customers", [])}
    stock = {
        (entry["productSize"]["SKU"], MARKET_OF_WAREHOUSE[entry["warehouse"]["id"]]): int(
            entry["freeToAllocateQuantity"]
        )
        for entry in scenario.shop.get("stock", [])
    }
    for phase_index, phase in enumerate(scenario.phases):
        touched_skus: set[str] = set()
        for step in phase:
            kwargs = step.kwargs
            number = _order_number(step.action, kwargs, shipment_orders, return_orders)
            if number is not None:
                history.orders.add(number)
            if step.action == "add_order":
                history.added_in_phase.setdefault(int(kwargs["order"]["number"]), phase_index)
            elif step.action == "cancel_order" and number is not None:
                history.cancelled_in_phase.setdefault(number, phase_index)
            elif step.action == "update_customer":
                customer_id = int(kwargs["customer_id"])
                history.customer_events.add(customer_id)
                history.customers_changed.add(customer_id)
                if "newsletter" in kwargs["changes"]:
                    newsletter[customer_id] = bool(kwargs["changes"]["newsletter"])
            elif step.action == "add_newsletter_subscription" and kwargs.get("customer_id") is not None:
                customer_id = int(kwargs["customer_id"])
                if not newsletter.get(customer_id, False):  # the fake emits Customer UPDATED only on a change
                    history.customer_events.add(customer_id)
                newsletter[customer_id] = True
            elif step.action == "set_stock":
                market_id = MARKET_OF_WAREHOUSE[int(kwargs["warehouse_id"])]
                stock[str(kwargs["sku"]), market_id] = int(kwargs["free_to_allocate"])
                touched_skus.add(str(kwargs["sku"]))
        history.stock_after_phase.append(dict(stock))
        history.skus_set_in_phase.append(touched_skus)
    return history


def _owners(shop: Entry, collection: str) -> dict[int, int]:
    return {item["id"]: order["number"] for order in shop.get("orders", []) for item in order.get(collection, [])}


def _order_number(
    action: str, kwargs: dict[str, Any], shipment_orders: dict[int, int], return_orders: dict[int, int]
) -> int | None:
    if action == "add_order":
        return int(kwargs["order"]["number"])
    if kwargs.get("order_number") is not None:
        return int(kwargs["order_number"])
    if kwargs.get("shipment_number") is not None:
        return int(str(kwargs["shipment_number"]).rsplit("-", 1)[0])
    if action in ("complete_shipment", "register_return") and kwargs.get("shipment_id") is not None:
        return shipment_orders.get(int(kwargs["shipment_id"]))
    if action == "complete_return" and kwargs.get("return_id") is not None:
        return return_orders.get(int(kwargs["return_id"]))
    return None
