"""The events poller: an event is confirmed only once durably queued, so nothing is ever lost."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from engage_bridge.centra.events import CentraEvent, ConfirmResult, EventListener, EventPage, UnreadableEvent
from engage_bridge.centra.stock import SkuStock, WarehouseStock
from engage_bridge.config import parse_config
from engage_bridge.ingress.event_types import INGEST_TYPES
from engage_bridge.ingress.poller import FETCH_LIMIT, STOCK_SKUS_PER_MESSAGE, listened_types, poll, register_listeners
from engage_bridge.messages import IngestEvent
from engage_bridge.route_marks import CHANGE_TIME_ALLOWANCE_SECONDS

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class FakeCentraQueue:
    """Centra's events queue: the oldest unconfirmed events come back until confirmed."""

    def __init__(self, events: list[CentraEvent], unreadable: Sequence[int] = ()) -> None:
        self.pending = list(events)
        self.unreadable = [UnreadableEvent(event_id, "object: bad") for event_id in unreadable]
        self.listeners: list[str] = []
        self.confirm_calls: list[list[int]] = []

    def set_event_listeners(
        self, object_types: Sequence[str], change_types: Sequence[str] | None = None
    ) -> Sequence[str]:
        self.listeners = sorted(set(self.listeners) | set(object_types))
        return [t for t in self.listeners if t in object_types]  # the payload's content is not documented

    def event_listeners(self) -> Sequence[EventListener]:
        return [EventListener("bridge", object_type) for object_type in self.listeners]

    def fetch_events(
        self,
        limit: int = FETCH_LIMIT,
        object_types: Sequence[str] | None = None,
        warehouse_ids: Sequence[int] | None = None,
    ) -> EventPage:
        unreadable = self.unreadable[:limit]
        return EventPage(events=tuple(self.pending[: limit - len(unreadable)]), unreadable=tuple(unreadable))

    def confirm_events(self, ids: Sequence[int]) -> ConfirmResult:
        self.confirm_calls.append(list(ids))
        confirmed = [e.id for e in self.pending if e.id in set(ids)]
        self.pending = [e for e in self.pending if e.id not in set(ids)]
        return ConfirmResult(confirmed=tuple(confirmed), requested=tuple(ids))


class FakeIngestQueue:
    def __init__(self, refuse: set[int] | None = None) -> None:
        self.messages: list[IngestEvent] = []
        self.refuse = refuse or set()  # object ids whose enqueue fails

    def put(self, events: Sequence[IngestEvent]) -> list[bool]:
        accepted = [e.object_id not in self.refuse for e in events]
        self.messages.extend(e for e, ok in zip(events, accepted, strict=True) if ok)
        return accepted


def event(event_id: int, object_type: str = "Order", reference: int = 0) -> CentraEvent:
    return CentraEvent(
        id=event_id,
        object_type=object_type,
        change_type="UPDATED",
        object_reference=reference or 1000 + event_id,
        created_at=T0,
    )


def plenty_of_time() -> float:
    return 60.0


def test_listeners_are_registered_for_every_type_the_router_reads() -> None:
    centra = FakeCentraQueue([])

    first = register_listeners(centra)
    again = register_listeners(centra)  # again on the next cold start: still the same set

    assert centra.listeners == sorted(INGEST_TYPES)
    assert first == again == []


BRAND: dict[str, object] = {
    "engage": {"base_url": "https://brand.staging.voyado.com", "api_key_secret": "engage/api-key"},
    "store_external_id": "brand.com",
    "default_language": "sv-SE",
}
FEED_ON = {"product_feed": {"product_url_template": "https://brand.com/{uri}"}}


@pytest.mark.parametrize(
    ("back_in_stock", "not_listened"),
    [
        (FEED_ON, set()),
        ({**FEED_ON, "relay_stock_levels": False}, {"StockChange"}),
        ({}, {"Display", "Product"}),  # no URL template: the feed is off
        ({"relay_stock_levels": False}, {"StockChange", "Display", "Product"}),
    ],
)
def test_a_switched_off_feature_is_not_listened_to(back_in_stock: dict[str, object], not_listened: set[str]) -> None:
    config = parse_config({**BRAND, "back_in_stock": back_in_stock})
    centra = FakeCentraQueue([])

    register_listeners(centra, listened_types(config))

    assert set(centra.listeners) == set(INGEST_TYPES) - not_listened


def test_a_feature_the_stack_does_not_run_is_not_listened_to_whatever_the_configuration() -> None:
    config = parse_config({**BRAND, "back_in_stock": FEED_ON})  # relay and feed on in the configuration

    without_relay = listened_types(config, stock_relay_deployed=False)
    without_feed = listened_types(config, feed_deployed=False)

    assert set(without_relay) == set(INGEST_TYPES) - {"StockChange"}
    assert set(without_feed) == set(INGEST_TYPES) - {"Display", "Product"}


def test_a_listener_this_bridge_once_registered_is_not_taken_for_another_consumers() -> None:
    centra = FakeCentraQueue([])
    register_listeners(centra)  # the relay was on
    relay_off = listened_types(parse_config({**BRAND, "back_in_stock": {**FEED_ON, "relay_stock_levels": False}}))

    assert register_listeners(centra, relay_off) == []  # StockChange is still listened to, by this bridge
    assert "StockChange" in centra.listeners  # not unset: that would delete queued events, a sharer's too


def test_a_listener_this_bridge_never_registers_reveals_a_shared_integration_name() -> None:
    centra = FakeCentraQueue([])
    centra.set_event_listeners(["Warehouse"])  # another tool on the same integration name

    assert register_listeners(centra) == ["Warehouse"]


def test_events_are_queued_then_confirmed() -> None:
    centra = FakeCentraQueue([event(1), event(2, "Shipment", 3101), event(3, "StockChange", 77)])
    queue = FakeIngestQueue()

    result = poll(centra, queue, plenty_of_time)

    assert [(m.object_type, m.object_id, m.centra_event_id) for m in queue.messages] == [
        ("order", 1001, 1),
        ("shipment", 3101, 2),
        ("stock_change", 77, 3),
    ]
    assert centra.pending == []
    assert (result.fetched, result.queued, result.confirmed, result.not_queued) == (3, 3, 3, 0)
    # createdAt has whole seconds: the change may have happened up to the allowance later (route_marks).
    assert {m.changed_by for m in queue.messages} == {T0 + timedelta(seconds=CHANGE_TIME_ALLOWANCE_SECONDS)}


def test_an_event_whose_enqueue_failed_stays_unconfirmed_and_comes_back() -> None:
    centra = FakeCentraQueue([event(1), event(2), event(3)])

    first = poll(centra, FakeIngestQueue(refuse={1002}), plenty_of_time)
    after_restart = FakeIngestQueue()
    second = poll(centra, after_restart, plenty_of_time)

    assert centra.confirm_calls[0] == [1, 3]
    assert (first.queued, first.not_queued) == (2, 1)
    assert [m.centra_event_id for m in after_restart.messages] == [2]
    assert second.confirmed == 1 and centra.pending == []


def test_a_run_that_dies_before_confirming_loses_nothing() -> None:
    class DyingCentra(FakeCentraQueue):
        def confirm_events(self, ids: Sequence[int]) -> ConfirmResult:
            raise TimeoutError("Lambda timed out")

    dying = DyingCentra([event(1), event(2)])
    with pytest.raises(TimeoutError):
        poll(dying, FakeIngestQueue(), plenty_of_time)
    restarted = FakeCentraQueue(dying.pending)
    queue = FakeIngestQueue()

    poll(restarted, queue, plenty_of_time)

    assert [m.centra_event_id for m in queue.messages] == [1, 2]  # queued again; the router dedupes effects
    assert restarted.pending == []


def test_types_nobody_reads_are_confirmed_not_left_to_block_the_queue() -> None:
    centra = FakeCentraQueue([event(1, "Warehouse"), event(2)])
    queue = FakeIngestQueue()

    result = poll(centra, queue, plenty_of_time)

    assert result.ignored == {"Warehouse": 1}
    assert [m.object_id for m in queue.messages] == [1002]
    assert centra.pending == []


def test_a_full_queue_is_drained_page_by_page_while_time_allows() -> None:
    centra = FakeCentraQueue([event(i) for i in range(1, 2 * FETCH_LIMIT + 51)])
    queue = FakeIngestQueue()

    result = poll(centra, queue, plenty_of_time)

    assert result.queued == 2 * FETCH_LIMIT + 50
    assert centra.pending == []


def test_no_new_page_is_started_when_time_is_short() -> None:
    centra = FakeCentraQueue([event(i) for i in range(1, 2 * FETCH_LIMIT + 1)])

    result = poll(centra, FakeIngestQueue(), lambda: 5.0)

    assert result.queued == FETCH_LIMIT
    assert len(centra.pending) == FETCH_LIMIT


def test_an_unreadable_event_stays_unconfirmed_and_the_others_move() -> None:
    centra = FakeCentraQueue([event(1), event(2)], unreadable=[3])
    queue = FakeIngestQueue()

    result = poll(centra, queue, plenty_of_time)

    assert [m.centra_event_id for m in queue.messages] == [1, 2]
    assert result.unreadable == 1 and result.confirmed == 2
    assert all(3 not in call for call in centra.confirm_calls)


def test_a_stock_change_carries_its_skus_and_their_stock_per_warehouse() -> None:
    stock = (SkuStock(sku="A-1", warehouses=(WarehouseStock(warehouse_id=7, free_to_allocate=4),)),)
    change = CentraEvent(
        id=5, object_type="StockChange", change_type="CREATED", object_reference=9, created_at=T0, stock=stock
    )
    queue = FakeIngestQueue()

    poll(FakeCentraQueue([change]), queue, plenty_of_time)

    [message] = queue.messages
    assert message.skus == ("A-1",) and message.stock == stock and message.stock_read_at is not None


def test_a_large_stock_change_is_split_into_parts_each_its_own_message() -> None:
    stock = tuple(
        SkuStock(sku=f"S-{n:04}", warehouses=(WarehouseStock(warehouse_id=7, free_to_allocate=n),)) for n in range(250)
    )
    change = CentraEvent(
        id=5, object_type="StockChange", change_type="CREATED", object_reference=9, created_at=T0, stock=stock
    )
    queue = FakeIngestQueue()

    result = poll(FakeCentraQueue([change]), queue, plenty_of_time)

    assert [len(m.stock) for m in queue.messages] == [STOCK_SKUS_PER_MESSAGE, STOCK_SKUS_PER_MESSAGE, 50]
    assert len({m.business_key for m in queue.messages}) == 3  # the handlers' idempotency keeps every part
    assert tuple(item for m in queue.messages for item in m.stock) == stock
    assert (result.queued, result.confirmed) == (1, 1)


def test_a_stock_change_is_confirmed_only_when_every_part_is_queued() -> None:
    stock = tuple(SkuStock(sku=f"S-{n:04}") for n in range(150))
    change = CentraEvent(
        id=5, object_type="StockChange", change_type="CREATED", object_reference=9, created_at=T0, stock=stock
    )
    centra = FakeCentraQueue([change])

    class SecondPartFails(FakeIngestQueue):
        def put(self, events: Sequence[IngestEvent]) -> list[bool]:
            return [event.stock_part != 2 for event in events]

    result = poll(centra, SecondPartFails(), plenty_of_time)

    assert (result.queued, result.not_queued, result.confirmed) == (0, 1, 0)
    assert [e.id for e in centra.pending] == [5]
