"""The router around the routing decisions: reads current state, enqueues per handler queue, counts skips."""

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from engage_bridge.centra import Customer, NewsletterSubscription, Order
from engage_bridge.centra.stock import SkuStock, WarehouseStock
from engage_bridge.centra.together import CentraRef, ObjectAnswer
from engage_bridge.config import BackInStock, parse_config
from engage_bridge.messages import IngestEvent, OrderEmail, StockUpdate
from engage_bridge.router import RouterServices, route_ingest_event
from engage_bridge.routing import Route
from engage_bridge.state import Effect, EffectState, LedgerEntry, StockChange

REPO = Path(__file__).resolve().parents[3]
CONFIG = parse_config((REPO / "tools/engage_bridge_tools/data/brand.example.json").read_text())
SHIPPED = Order.model_validate_json((REPO / "tests/fixtures/centra/shipping_confirmation.json").read_text())


class FakeCentra:
    def __init__(self, orders: dict[int, Order] | None = None):
        self.orders = orders or {}
        self.reads = 0
        self.anonymised: set[int] = set()

    def order(self, number: int) -> Order | None:
        self.reads += 1
        return self.orders.get(number)

    def shipment_order(self, shipment_id: int) -> Order | None:
        self.reads += 1
        return next((o for o in self.orders.values() if any(s.id == shipment_id for s in o.shipments)), None)

    def return_order(self, return_id: int) -> Order | None:
        self.reads += 1
        return next((o for o in self.orders.values() if any(r.id == return_id for r in o.returns)), None)

    def customer(self, customer_id: int) -> Customer | None:
        self.reads += 1
        return None

    def customer_and_anonymised(self, customer_id: int) -> tuple[Customer | None, bool]:
        return self.customer(customer_id), customer_id in self.anonymised

    def newsletter_subscription(self, subscription_id: int) -> NewsletterSubscription | None:
        self.reads += 1
        return None

    def read_together(self, refs: Iterable[CentraRef]) -> dict[CentraRef, ObjectAnswer]:
        return {}  # answers nothing together: every report reads its object alone, as these tests count


class MemoryLedger:
    """The part of the state table the router reads: what was sent."""

    def __init__(self) -> None:
        self.sent: set[Effect] = set()

    def ledger_entry(self, effect: Effect) -> LedgerEntry | None:
        return LedgerEntry(effect, "sent", "test", "now") if effect in self.sent else None

    def ledger_entries(self, effects: Iterable[Effect], *, consistent: bool = True) -> dict[Effect, LedgerEntry]:
        found = {effect: self.ledger_entry(effect) for effect in effects}
        return {effect: entry for effect, entry in found.items() if entry is not None}

    def record(self, effect: Effect, state: EffectState, reason: str, *, version: str | None = None) -> bool:
        if effect in self.sent:
            return False
        if state == "sent":
            self.sent.add(effect)
        return True

    def cached_contact_id(self, email: str, contact_type: str) -> str | None:
        return None

    def cache_contact_id(self, email: str, contact_type: str, contact_id: str) -> None:
        return None

    def forget_contact_id(self, email: str, contact_type: str) -> None:
        return None

    def claim_contact_creation(self, email: str, contact_type: str, owner: str | None = None) -> bool:
        return True

    def release_contact_creation(self, email: str, contact_type: str, owner: str | None = None) -> None:
        return None

    def compare_stock(self, sku: str, market_id: str, quantity: int, event_time: datetime) -> StockChange:
        return "changed"

    def commit_stock(self, sku: str, market_id: str, quantity: int, event_time: datetime) -> None:
        return None


class RecordingQueues:
    def __init__(self) -> None:
        self.sent: list[tuple[Route, BaseModel]] = []

    def send(self, route: Route, messages: Sequence[BaseModel]) -> None:
        self.sent.extend((route, message) for message in messages)

    def business_keys(self) -> list[str]:
        return [str(getattr(message, "business_key", "")) for _, message in self.sent]


def services(centra: FakeCentra, ledger: MemoryLedger, queues: RecordingQueues) -> RouterServices:
    return RouterServices(CONFIG, centra, ledger, queues, now=lambda: datetime(2026, 11, 23, tzinfo=UTC))


def test_a_shipment_event_routes_what_the_orders_current_state_implies() -> None:
    centra, ledger, queues = FakeCentra({SHIPPED.number: SHIPPED}), MemoryLedger(), RecordingQueues()

    outcome = route_ingest_event(
        services(centra, ledger, queues), IngestEvent(source="webhook", object_type="shipment", object_id=3101)
    )

    assert outcome.state == "sent"
    assert "order:2348955:email:shipped:shipment:3101" in queues.business_keys()
    assert centra.reads == 1


def test_effects_already_in_the_ledger_are_not_routed_again() -> None:
    centra, ledger, queues = FakeCentra({SHIPPED.number: SHIPPED}), MemoryLedger(), RecordingQueues()
    first = RecordingQueues()
    route_ingest_event(
        services(centra, ledger, first), IngestEvent(source="events", object_type="order", object_id=2348955)
    )
    for _, message in first.sent:
        if isinstance(message, OrderEmail):
            ledger.sent.add(message.ledger_effect)

    route_ingest_event(
        services(centra, ledger, queues), IngestEvent(source="webhook", object_type="order", object_id=2348955)
    )

    assert not any(isinstance(message, OrderEmail) for _, message in queues.sent)


def test_an_object_centra_no_longer_has_is_skipped_with_a_reason() -> None:
    outcome = route_ingest_event(
        services(FakeCentra(), MemoryLedger(), RecordingQueues()),
        IngestEvent(source="events", object_type="order", object_id=1),
    )

    assert (outcome.state, outcome.reason) == ("skipped", "order_not_found")


def stock_change(
    stock: tuple[SkuStock, ...], read_at: datetime = datetime(2026, 11, 23, tzinfo=UTC), **fields: Any
) -> IngestEvent:
    """A StockChange event of SKU A-1 with its levels, as the events poller queues it."""
    return IngestEvent(
        source="events",
        object_type="stock_change",
        object_id=9,
        skus=("A-1",),
        stock=stock,
        stock_read_at=read_at,
        **fields,
    )


def test_a_stock_change_sums_each_markets_warehouses_from_the_stock_read_with_the_event() -> None:
    cfg = CONFIG.model_copy(
        update={"back_in_stock": BackInStock(warehouses_by_market={"1": [11, 12], "2": [21], "3": [31]})}
    )
    rows = tuple(
        WarehouseStock(warehouse_id=warehouse, free_to_allocate=quantity)
        for warehouse, quantity in ((11, 4), (12, 3), (21, 0), (99, 8))
    )
    centra, queues = FakeCentra(), RecordingQueues()
    event = stock_change((SkuStock(sku="A-1", warehouses=rows),))

    route_ingest_event(RouterServices(cfg, centra, MemoryLedger(), queues), event)

    levels = [message.level for route, message in queues.sent if isinstance(message, StockUpdate)]
    assert [(level.reference, level.free_to_allocate_quantity) for level in levels] == [("A-1@1", 7), ("A-1@2", 0)]
    assert centra.reads == 0  # the quantities came with the event: market 3 holds none of them, warehouse 99 no market


def test_a_stack_without_the_stock_relay_skips_stock_changes_with_why() -> None:
    cfg = CONFIG.model_copy(update={"back_in_stock": BackInStock(warehouses_by_market={"1": [11]})})
    queues = RecordingQueues()
    event = stock_change((SkuStock(sku="A-1", warehouses=(WarehouseStock(warehouse_id=11, free_to_allocate=4),)),))

    outcome = route_ingest_event(RouterServices(cfg, FakeCentra(), MemoryLedger(), queues, relays_stock=False), event)

    assert (outcome.state, outcome.reason) == ("skipped", "stock_relay_not_deployed")
    assert queues.sent == []


@pytest.mark.parametrize("store_type", ["WHOLESALE"])
def test_a_wholesale_order_routes_nothing(store_type: str) -> None:
    data = json.loads(SHIPPED.model_dump_json(by_alias=True))
    data["store"]["type"] = store_type
    wholesale = Order.model_validate(data)
    queues = RecordingQueues()

    outcome = route_ingest_event(
        services(FakeCentra({wholesale.number: wholesale}), MemoryLedger(), queues),
        IngestEvent(source="events", object_type="order", object_id=wholesale.number),
    )

    assert queues.sent == []
    assert outcome.state == "skipped"


def test_a_redemption_engage_refused_is_not_routed_again() -> None:
    data = json.loads(SHIPPED.model_dump_json(by_alias=True))
    data["attributes"] = [{"type": {"name": "voyado_promotion_id"}, "elements": [{"key": "text", "value": "a-1"}]}]
    order = Order.model_validate(data)
    control, queues = RecordingQueues(), RecordingQueues()
    refused = Effect(f"order#{order.number}", "redemption:a-1")
    event = IngestEvent(source="events", object_type="order", object_id=order.number)
    route_ingest_event(services(FakeCentra({order.number: order}), MemoryLedger(), control), event)

    class RefusedLedger(MemoryLedger):
        def ledger_entry(self, effect: Effect) -> LedgerEntry | None:
            return LedgerEntry(effect, "failed", "PromotionExpired", "now") if effect == refused else None

    route_ingest_event(services(FakeCentra({order.number: order}), RefusedLedger(), queues), event)

    assert any(route == "promotion_redemption" for route, _ in control.sent)  # routed while nothing is recorded
    assert not any(route == "promotion_redemption" for route, _ in queues.sent)


def test_an_order_a_backfill_brought_in_never_emails_when_a_live_change_arrives() -> None:
    centra, backfill = FakeCentra({SHIPPED.number: SHIPPED}), RecordingQueues()
    historical = IngestEvent(source="backfill", object_type="order", object_id=SHIPPED.number, historical=True)
    live = IngestEvent(source="webhook", object_type="order", object_id=SHIPPED.number)
    control = RecordingQueues()
    route_ingest_event(services(centra, MemoryLedger(), control), live)
    held_back = {message.ledger_effect for _, message in control.sent if isinstance(message, OrderEmail)}
    route_ingest_event(services(centra, MemoryLedger(), backfill), historical)

    class BackfilledLedger(MemoryLedger):
        def ledger_entry(self, effect: Effect) -> LedgerEntry | None:
            return LedgerEntry(effect, "skipped", "historical", "then") if effect in held_back else None

    queues = RecordingQueues()
    route_ingest_event(services(centra, BackfilledLedger(), queues), live)

    assert held_back  # the live route would e-mail ...
    assert not any(isinstance(message, OrderEmail) for _, message in backfill.sent)
    assert not any(isinstance(message, OrderEmail) for _, message in queues.sent)  # ... but the backfill held it back


def fixed_clock(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def test_stock_levels_carry_the_time_they_were_read_not_the_events_time() -> None:
    stock = (SkuStock(sku="A-1", warehouses=(WarehouseStock(warehouse_id=101, free_to_allocate=0),)),)
    same_second = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # two changes in one second share Centra's createdAt
    stamps: list[datetime] = []
    for read_at in (datetime(2026, 11, 23, 9, 0, 1, tzinfo=UTC), datetime(2026, 11, 23, 9, 0, 2, tzinfo=UTC)):
        queues = RecordingQueues()
        event = stock_change(stock, read_at, occurred_at=same_second)
        route_ingest_event(RouterServices(CONFIG, FakeCentra(), MemoryLedger(), queues), event)
        stamps.extend(message.event_time for _, message in queues.sent if isinstance(message, StockUpdate))

    assert stamps == sorted(set(stamps)) and len(stamps) == 2  # the later read is the newer level
