"""The fake's GraphQL layer: Centra's published schema bound to resolvers over the shop and the event hub.

The schema is the project's contract (``contract/centra/schema.graphql``: what public sources show) extended with
the bridge's listed assumptions (``assumptions.graphql``), each assumed member marked as such in its description.
Both files are read by path: nothing here comes from the bridge's code. Nothing else is served: no root field no
source shows (``order(number:)``, ``customer(id:)``, ``stock(where: {SKU})``), and no field the evidence saw absent
from a type it saw whole. ``without`` removes fields, to play a tenant whose schema differs.

Entries are served as stored; resolvers only follow links (an order's customer is the *current* customer
entry, as Centra would return it) and implement filters, paging and the events operations.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from graphql import (
    ExecutionResult,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    default_field_resolver,
    extend_schema,
    graphql_sync,
    is_list_type,
    is_non_null_type,
    parse,
)

from engage_bridge_tools.centra_fake.events import EventHub, EventQuery, QueuedEvent
from engage_bridge_tools.centra_fake.shop import Entry, Shop

_REPOSITORY = Path(__file__).resolve().parents[3]
CONTRACT_PATH = _REPOSITORY / "contract" / "centra" / "schema.graphql"
ASSUMPTIONS_PATH = _REPOSITORY / "layers" / "common" / "engage_bridge" / "centra" / "assumptions.graphql"
ASSUMED_PREFIX = "ASSUMED (no public source shows this name):"
MAX_LIMIT = 200

Resolver = Callable[..., Any]


@dataclass(frozen=True)
class RequestContext:
    shop: Shop
    hub: EventHub
    integration_name: str
    # The witness of customer writes (the assumed ``updateCustomer``): who changed which customer, and how.
    customer_updates: list[Entry] = field(default_factory=list)


Info = GraphQLResolveInfo[RequestContext]


def timestamp(value: datetime) -> str:
    """``DateTimeTz`` in Centra's default format, ``Y-m-d\\TH:i:sP``."""
    return value.isoformat(timespec="seconds")


def _context(info: Info) -> RequestContext:
    return info.context


def _tagged(entry: Entry | None, typename: str) -> Entry | None:
    # A shallow copy that carries its GraphQL type, for union and interface resolution.
    return None if entry is None else {**entry, "__typename": typename}


def _page(entries: Iterable[Entry], limit: int, page: int) -> list[Entry]:
    if not 1 <= limit <= MAX_LIMIT:
        raise GraphQLError(f"Limit must be in range 1 - {MAX_LIMIT}")
    if page < 1:
        raise GraphQLError("Page must be 1 or greater")
    return list(entries)[(page - 1) * limit : page * limit]


def _in_range(value: str | None, bounds: dict[str, Any] | None) -> bool:
    if not bounds:
        return True
    if value is None:
        return False
    moment = datetime.fromisoformat(value)
    low, high = bounds.get("from"), bounds.get("to")
    return (low is None or moment >= datetime.fromisoformat(low)) and (
        high is None or moment <= datetime.fromisoformat(high)
    )


def _ref_id(entry: Entry, key: str) -> Any:
    ref = entry.get(key)
    return ref.get("id") if isinstance(ref, dict) else None


# -- orders, shipments, returns -------------------------------------------------------------------------


def order_typename(shop: Shop, order: Entry) -> str:
    """The contract knows one concrete order type: a wholesale order is served as one, its store typed WHOLESALE."""
    return "DirectToConsumerOrder"


def _order_matches(shop: Shop, order: Entry, where: dict[str, Any]) -> bool:
    checks = (
        where.get("id") is None or order["id"] in where["id"],
        where.get("number") is None or order["number"] in where["number"],
        where.get("status") is None or order["status"] in where["status"],
        where.get("storeType") is None or shop.store_type(order) == where["storeType"],
        where.get("storeId") is None or _ref_id(order, "store") in where["storeId"],
        where.get("marketId") is None or _ref_id(order, "market") in where["marketId"],
        where.get("customerId") is None or _ref_id(order, "customer") in where["customerId"],
        where.get("isOnHold") is None or bool(order.get("isOnHold")) == where["isOnHold"],
        _in_range(order.get("createdAt"), where.get("createdAt")),
        _in_range(order.get("updatedAt"), where.get("updatedAt")),
    )
    return all(checks)


_ORDER_SORT_KEYS: dict[str, Callable[[Entry], Any]] = {
    "orderDate": lambda order: (datetime.fromisoformat(order.get("orderDate") or order["createdAt"]), order["number"]),
}


def resolve_orders(
    _: None,
    info: Info,
    limit: int,
    page: int,
    where: dict[str, Any] | None = None,
    sort: list[str] | None = None,
) -> list[Entry]:
    shop = _context(info).shop
    orders = [order for order in shop.orders if _order_matches(shop, order, where or {})]
    for key in reversed(sort or []):  # unsorted: as stored (Centra documents no default order)
        field, _separator, direction = key.rpartition("_")
        orders.sort(key=_ORDER_SORT_KEYS[field], reverse=direction == "DESC")
    return _page(orders, limit, page)


def resolve_shipments(_: None, info: Info, limit: int, page: int, where: dict[str, Any] | None = None) -> list[Entry]:
    where = where or {}
    shipments = [
        shipment
        for order, shipment in _context(info).shop.shipments()
        if (where.get("id") is None or shipment["id"] in where["id"])
        and (where.get("orderId") is None or order["id"] in where["orderId"])
        and (where.get("number") is None or shipment["number"] in where["number"])
        and (where.get("isShipped") is None or shipment["isShipped"] == where["isShipped"])
    ]
    return _page(shipments, limit, page)


def resolve_returns(_: None, info: Info, limit: int, page: int, where: dict[str, Any] | None = None) -> list[Entry]:
    where = where or {}
    returns = [
        return_
        for order, return_ in _context(info).shop.returns()
        if (where.get("id") is None or return_["id"] in where["id"])
        and (where.get("customerId") is None or _ref_id(order, "customer") in where["customerId"])
    ]
    return _page(returns, limit, page)


# -- customers, newsletter, stock ------------------------------------------------------------------------


def _email_matches(entry: Entry, match: dict[str, Any] | None) -> bool:
    if not match or match.get("equals") is None:
        return True
    return str(entry["email"]).casefold() == str(match["equals"]).casefold()


def resolve_customers(_: None, info: Info, limit: int, page: int, where: dict[str, Any] | None = None) -> list[Entry]:
    where = where or {}
    customers = [
        customer
        for customer in _context(info).shop.customers
        if (where.get("id") is None or customer["id"] in where["id"])
        and _email_matches(customer, where.get("email"))
        and _in_range(customer.get("createdAt"), where.get("createdAt"))
        and _in_range(customer.get("updatedAt"), where.get("updatedAt"))
        and (where.get("isAnonymized") is None or bool(customer.get("anonymized")) is where["isAnonymized"])
    ]
    return _page(customers, limit, page)


def resolve_newsletter_subscriptions(
    _: None, info: Info, limit: int, page: int, where: dict[str, Any] | None = None
) -> list[Entry]:
    where = where or {}
    subscriptions = [
        entry
        for entry in _context(info).shop.newsletter_subscriptions
        if (where.get("id") is None or entry["id"] in where["id"]) and _email_matches(entry, where.get("email"))
    ]
    return _page(subscriptions, limit, page)


def resolve_product_size_stock(
    size: Entry, info: Info, limit: int, page: int, where: dict[str, Any] | None = None
) -> list[Entry]:
    """``ProductSize.stock``: one row per warehouse holding the size (by ``StockFilter.warehouseId``)."""
    where = where or {}
    shop = _context(info).shop
    fta = where.get("freeToAllocateQuantity") or {}
    rows = [
        {
            "freeToAllocateQuantity": entry["freeToAllocateQuantity"],
            "warehouse": shop.warehouse(entry["warehouse"]["id"]) or entry["warehouse"],
        }
        for entry in sorted(shop.stock_of(size["SKU"]), key=lambda e: e["warehouse"]["id"])  # warehouseId_ASC
        if (where.get("warehouseId") is None or entry["warehouse"]["id"] in where["warehouseId"])
        and (fta.get("from") is None or entry["freeToAllocateQuantity"] >= fta["from"])
        and (fta.get("to") is None or entry["freeToAllocateQuantity"] <= fta["to"])
    ]
    return _page(rows, limit, page)


def resolve_displays(
    _: None, info: Info, limit: int | None = None, page: int | None = None, where: dict[str, Any] | None = None
) -> list[Entry]:
    """``displays(where: DisplayFilter)``: the filters the evidence shows whole (id, status, marketId), by id."""
    where = where or {}
    markets, ids, statuses = where.get("marketId"), where.get("id"), where.get("status")
    found = [
        display
        for display in sorted(_context(info).shop.displays, key=lambda d: d["id"])
        if (ids is None or display["id"] in ids)
        and (statuses is None or display["status"] in statuses)
        and (markets is None or any(market["id"] in markets for market in display.get("markets", [])))
    ]
    return _page(found, limit if limit is not None else 20, page if page is not None else 1)


def _product_size_id(size: Entry, info: Info) -> int:
    return int(size.get("id") or _context(info).shop.product_size_id(size["SKU"]))


def _stock_change_lines(change: Entry, info: Info, limit: int, page: int) -> list[Entry]:
    return _page(change.get("lines", []), limit, page)


# -- events ----------------------------------------------------------------------------------------------


def _order_object(shop: Shop, number: int) -> Entry | None:
    order = shop.order(number=number)
    return _tagged(order, order_typename(shop, order)) if order else None


def _nested_object(
    find: Callable[[Shop, int], tuple[Entry, Entry] | None], typename: str
) -> Callable[[Shop, int], Entry | None]:
    def lookup(shop: Shop, reference: int) -> Entry | None:
        found = find(shop, reference)
        return _tagged(found[1], typename) if found else None

    return lookup


def _plain_object(find: Callable[[Shop, int], Entry | None], typename: str) -> Callable[[Shop, int], Entry | None]:
    return lambda shop, reference: _tagged(find(shop, reference), typename)


_EVENT_OBJECTS: dict[str, Callable[[Shop, int], Entry | None]] = {
    "Order": _order_object,
    "Shipment": _nested_object(Shop.shipment, "DirectToConsumerShipment"),
    "Return": _nested_object(Shop.return_, "DirectToConsumerReturn"),
    "Customer": _plain_object(Shop.customer, "Customer"),
    "NewsletterSubscription": _plain_object(Shop.newsletter_subscription, "NewsletterSubscription"),
    "StockChange": _plain_object(Shop.stock_change, "StockChange"),
}


def event_object(shop: Shop, object_type: str, reference: int) -> Entry | None:
    """The *current* state of an event's object, tagged with its GraphQL type (``None`` if gone)."""
    lookup = _EVENT_OBJECTS.get(object_type)
    return lookup(shop, reference) if lookup else None


def event_entry(shop: Shop, event: QueuedEvent) -> Entry:
    return {
        "id": event.id,
        "objectType": event.object_type,
        "changeType": event.change_type,
        "objectReference": event.object_reference,
        "createdAt": timestamp(event.created_at),
        "store": shop.store(event.store_id) if event.store_id is not None else None,
        "market": shop.market(event.market_id) if event.market_id is not None else None,
        "object": None
        if event.change_type == "DELETED"
        else event_object(shop, event.object_type, event.object_reference),
    }


def resolve_events(_: None, info: Info, limit: int | None = None, where: dict[str, Any] | None = None) -> list[Entry]:
    # The contract shows ``events(where, limit: Int)`` with no default; 20, every other list's default, is assumed.
    limit = 20 if limit is None else limit
    context = _context(info)
    if not 1 <= limit <= MAX_LIMIT:
        raise GraphQLError(f"Limit must be in range 1 - {MAX_LIMIT}")
    where = where or {}
    query = EventQuery(
        object_types=where.get("objectType"),
        change_types=where.get("changeType"),
        store_ids=where.get("storeId"),
        market_ids=where.get("marketId"),
    )
    return [event_entry(context.shop, event) for event in context.hub.fetch(context.integration_name, query, limit)]


def _listener_entries(context: RequestContext) -> list[Entry]:
    return [
        {
            "integrationName": listener.integration_name,
            "objectType": listener.object_type,
            "changeTypes": sorted(listener.change_types),
            "createdAt": timestamp(listener.created_at),
            "updatedAt": timestamp(listener.updated_at),
        }
        for listener in context.hub.listeners(context.integration_name)
    ]


def resolve_event_listeners(_: None, info: Info) -> list[Entry]:
    return _listener_entries(_context(info))


def resolve_set_event_listeners(_: None, info: Info, input: list[dict[str, Any]]) -> Entry:
    context = _context(info)
    for item in input:
        context.hub.set_listener(context.integration_name, item["objectType"], item.get("changeTypes"))
    return {"eventListeners": _listener_entries(context), "userErrors": [], "userWarnings": []}


def resolve_unset_event_listeners(_: None, info: Info, input: list[dict[str, Any]]) -> Entry:
    context = _context(info)
    for item in input:
        context.hub.unset_listener(context.integration_name, item["objectType"], item.get("changeTypes"))
    return {"eventListeners": _listener_entries(context), "userErrors": [], "userWarnings": []}


def resolve_confirm_events(_: None, info: Info, input: dict[str, Any]) -> Entry:
    context = _context(info)
    confirmed, unknown = context.hub.confirm(context.integration_name, input["eventsIds"])
    warnings = [
        {"message": f"Event {event_id} not found or already confirmed", "path": ["input", "eventsIds"]}
        for event_id in unknown
    ]
    return {
        "events": [event_entry(context.shop, event) for event in confirmed],
        "userErrors": [],
        "userWarnings": warnings,
    }


def resolve_update_customer(_: None, info: Info, id: int, input: dict[str, Any]) -> Entry:
    """``updateCustomer`` (an assumed name): ``receiveNewsletters`` is the one input field the fake applies."""
    context = _context(info)
    customer = context.shop.customer(id)
    if customer is None:
        return {"customer": None, "userErrors": [{"message": f"Customer {id} not found", "path": ["id"]}],
                "userWarnings": []}  # fmt: skip
    if input.get("receiveNewsletters") is not None:
        customer["newsletter"] = bool(input["receiveNewsletters"])  # the shop file keeps the plugin-era key
    context.customer_updates.append({"customerId": id, "input": dict(input), "integration": context.integration_name})
    return {"customer": customer, "userErrors": [], "userWarnings": []}


# -- links between entries -------------------------------------------------------------------------------


def _link(lookup: Callable[[Shop, Any], Entry | None], key: str) -> Resolver:
    """Resolve ``entry[key]`` (an ``{id}`` reference) to the current entry, falling back to what is stored."""

    def resolve(entry: Entry, info: Info) -> Any:
        stored = entry.get(key)
        if not isinstance(stored, dict) or "id" not in stored:
            return stored
        return lookup(_context(info).shop, stored["id"]) or stored

    return resolve


def _order_of(find: Callable[[Shop, int], tuple[Entry, Entry] | None]) -> Resolver:
    def resolve(entry: Entry, info: Info) -> Entry | None:
        found = find(_context(info).shop, entry["id"])
        return found[0] if found else None

    return resolve


def _shipment_of_return(entry: Entry, info: Info) -> Entry | None:
    found = _context(info).shop.shipment(entry["shipment"]["id"]) if entry.get("shipment") else None
    return found[1] if found else None


def _order_line_of(entry: Entry, info: Info) -> Entry | None:
    return _context(info).shop.find_order_line(entry["orderLine"]["id"])


def _total_orders(entry: Entry, info: Info) -> int:
    return sum(1 for order in _context(info).shop.orders if _ref_id(order, "customer") == entry["id"])


def _total_quantity(entry: Entry, info: Info) -> int:
    return sum(int(line["quantity"]) for line in entry.get("lines", []))


def _order_lines(entry: Entry, info: Info, includeFullyCancelled: bool | None = None) -> list[Entry]:
    """Centra leaves fully cancelled lines out unless asked (DTC selects ``lines(includeFullyCancelled: true)``)."""
    lines: list[Entry] = entry.get("lines", [])
    if includeFullyCancelled:
        return lines
    return [line for line in lines if not (line["quantity"] == 0 and line.get("cancelledQuantity", 0) > 0)]


def _order_date(entry: Entry, info: Info) -> Any:
    return entry.get("orderDate") or entry.get("createdAt")


def stored_field(source: Any, info: Info, **args: Any) -> Any:
    """The default resolver, except that an absent non-null list reads as ``[]`` and an absent ``Boolean!``
    as ``false``, so shop entries need not spell out empty lists and unset flags."""
    value = default_field_resolver(source, info, **args)
    if value is None and is_non_null_type(info.return_type):
        inner = info.return_type.of_type
        if is_list_type(inner):
            return []
        if getattr(inner, "name", None) == "Boolean":
            return False
    return value


def _resolve_order_type(value: Entry, info: Info, _: Any) -> str:
    return str(value.get("__typename") or order_typename(_context(info).shop, value))


def _fixed_type(typename: str) -> Callable[..., str]:
    return lambda value, info, abstract: str(value.get("__typename") or typename)


def _tagged_type(value: Entry, info: Info, abstract: Any) -> str:
    return str(value["__typename"])


_LINKS: dict[str, dict[str, Resolver]] = {
    "Customer": {
        "store": _link(Shop.store, "store"),
        "totalOrders": _total_orders,
        # The shop file keeps the plugin-era key; Centra's GraphQL name for the flag is an assumption.
        "receiveNewsletters": lambda entry, info: bool(entry.get("newsletter")),
    },
    "NewsletterSubscription": {
        "store": _link(Shop.store, "store"),
        "isActive": lambda entry, info: bool(entry.get("subscribed")),
    },
    "ProductSize": {"id": _product_size_id, "stock": resolve_product_size_stock},
    "ShipmentLine": {"orderLine": _order_line_of},
    "DirectToConsumerShipment": {"order": _order_of(Shop.shipment)},
    "DirectToConsumerReturn": {
        "order": _order_of(Shop.return_),
        "shipment": _shipment_of_return,
        "totalQuantity": _total_quantity,
    },
    "StockChange": {"warehouse": _link(Shop.warehouse, "warehouse"), "lines": _stock_change_lines},
    "StockChangeLine": {"warehouse": _link(Shop.warehouse, "warehouse")},
}
_ORDER_LINKS: dict[str, Resolver] = {
    "store": _link(Shop.store, "store"),
    "market": _link(Shop.market, "market"),
    "customer": _link(Shop.customer, "customer"),
    "account": _link(Shop.account, "account"),
    "orderDate": _order_date,
    "lines": _order_lines,
}
_ROOT: dict[str, dict[str, Resolver]] = {
    "Query": {
        "orders": resolve_orders,
        "shipments": resolve_shipments,
        "returns": resolve_returns,
        "customers": resolve_customers,
        "newsletterSubscriptions": resolve_newsletter_subscriptions,
        "displays": resolve_displays,
        "events": resolve_events,
        "eventListeners": resolve_event_listeners,
    },
    "Mutation": {
        "setEventListeners": resolve_set_event_listeners,
        "unsetEventListeners": resolve_unset_event_listeners,
        "confirmEvents": resolve_confirm_events,
        "updateCustomer": resolve_update_customer,
    },
}
_ABSTRACT: dict[str, Callable[..., str]] = {
    "Order": _resolve_order_type,
    "OrderLine": _fixed_type("ProductOrderLine"),
    "OrderDiscount": _fixed_type("AppliedVoucher"),
    "AttributeElement": _fixed_type("AttributeStringElement"),
    "Shipment": _fixed_type("DirectToConsumerShipment"),
    "Return": _fixed_type("DirectToConsumerReturn"),
    "EventTarget": _tagged_type,
}


def _mark_assumed(schema: GraphQLSchema) -> None:
    """Prefix every member the assumptions file added with ``ASSUMED``, so introspection shows what is assumed."""
    for named in schema.type_map.values():
        members: dict[str, Any] = {}
        if isinstance(named, GraphQLEnumType):
            members = dict(named.values)
        elif hasattr(named, "fields"):
            members = dict(named.fields)
        for member in members.values():
            node = member.ast_node
            for directive in getattr(node, "directives", None) or ():
                if directive.name.value == "assumed":
                    evidence = next(a.value for a in directive.arguments if a.name.value == "evidence")
                    member.description = f"{ASSUMED_PREFIX} {getattr(evidence, 'value', '')}"


def _without(schema: GraphQLSchema, coordinates: frozenset[str]) -> None:
    """Remove ``Type.field`` members, from the type and from every type sharing the field through an interface."""
    for coordinate in coordinates:
        type_name, _, field_name = coordinate.partition(".")
        named = schema.get_type(type_name)
        if named is None or not hasattr(named, "fields") or field_name not in named.fields:
            raise ValueError(f"{coordinate}: no such field in the fake's schema")
        related = {type_name}
        if isinstance(named, GraphQLInterfaceType):
            related |= {t.name for t in schema.get_implementations(named).objects}
        elif isinstance(named, GraphQLObjectType):
            related |= {i.name for i in named.interfaces}
        for name in related:
            fields = getattr(schema.get_type(name), "fields", {})
            fields.pop(field_name, None)


@cache
def fake_schema(without: frozenset[str] = frozenset()) -> GraphQLSchema:
    """The contract plus the assumptions (marked), minus ``without``, bound to the shop's resolvers."""
    schema = build_schema(CONTRACT_PATH.read_text(encoding="utf-8"))
    schema = extend_schema(schema, parse(ASSUMPTIONS_PATH.read_text(encoding="utf-8")))
    _mark_assumed(schema)
    _without(schema, without)
    resolvers = {**_LINKS, **_ROOT, "DirectToConsumerOrder": _ORDER_LINKS}
    for type_name, fields in resolvers.items():
        object_type = schema.get_type(type_name)
        assert isinstance(object_type, GraphQLObjectType), type_name  # noqa: S101 - schema/resolver drift
        for field_name, resolver in fields.items():
            if field_name in object_type.fields:
                object_type.fields[field_name].resolve = resolver
    for type_name, type_resolver in _ABSTRACT.items():
        abstract = schema.get_type(type_name)
        assert isinstance(abstract, GraphQLInterfaceType | GraphQLUnionType), type_name  # noqa: S101
        abstract.resolve_type = type_resolver
    return schema


def execute(
    context: RequestContext,
    query: str,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    without: frozenset[str] = frozenset(),
) -> ExecutionResult:
    return graphql_sync(
        fake_schema(without),
        query,
        variable_values=variables,
        operation_name=operation_name,
        context_value=context,
        field_resolver=stored_field,
    )
