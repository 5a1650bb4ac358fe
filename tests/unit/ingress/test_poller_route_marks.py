"""The poller looks at the route marks before it queues: a change the webhook path already routed is confirmed to
Centra and not queued, by the router's own key and rule (``route_marks``); anything else, or a failed look, queues."""

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from msgspec.structs import replace

from engage_bridge.centra.events import CentraEvent
from engage_bridge.centra.stock import SkuStock, WarehouseStock
from engage_bridge.ingress.poller import poll
from engage_bridge.route_marks import CHANGE_TIME_ALLOWANCE_SECONDS, DynamoRouteMarks, Verdict
from tests.aws import Clock
from tests.unit.ingress.test_poller import FakeCentraQueue, FakeIngestQueue, plenty_of_time
from tests.unit.router.test_route_marks import CountingDynamo


def _event(
    event_id: int, clock: Clock, object_type: str = "Order", reference: int = 1001, change: str = "UPDATED"
) -> CentraEvent:
    """An event Centra created five seconds before ``clock``'s now, whole seconds (createdAt)."""
    return CentraEvent(
        id=event_id,
        object_type=object_type,
        change_type=change,
        object_reference=reference,
        created_at=datetime.fromtimestamp(int(clock.now) - 5, UTC),
    )


def _routed_now(marks: DynamoRouteMarks, object_key: str, clock: Clock) -> None:
    """The webhook's report of the object routed: its mark taken for a read starting at the clock's now."""
    verdict, claim = marks.take(object_key, int(clock.now * 1000) - 1, "webhook-message")
    assert verdict is Verdict.ROUTE and claim is not None


class UnprocessedDynamo(CountingDynamo):
    """DynamoDB under load: every key of a ``BatchGetItem`` comes back unprocessed."""

    def batch_get_item(self, **request: Any) -> dict[str, Any]:
        self.calls["batch_get_item"] += 1
        return {"Responses": {}, "UnprocessedKeys": request["RequestItems"]}


class BrokenDynamo(CountingDynamo):
    def batch_get_item(self, **request: Any) -> dict[str, Any]:
        raise ConnectionError("DynamoDB went away")


def test_an_event_whose_change_the_webhook_routed_is_confirmed_and_not_queued(dynamodb: Any, clock: Clock) -> None:
    counting = CountingDynamo(dynamodb)
    marks = DynamoRouteMarks(counting, "state", clock)
    _routed_now(marks, "order#1001", clock)
    centra, queue = FakeCentraQueue([_event(1, clock), _event(2, clock, reference=1002)]), FakeIngestQueue()
    counting.calls.clear()

    result = poll(centra, queue, plenty_of_time, marks=marks)

    assert [m.object_id for m in queue.messages] == [1002]  # the uncovered change is queued
    assert centra.pending == [] and sorted(centra.confirm_calls[0]) == [1, 2]  # both handled
    assert (result.queued, result.confirmed, result.skipped) == (1, 2, {"already_routed": 1})
    assert counting.calls == Counter({"batch_get_item": 1})  # one look for the page, nothing written


def test_a_mark_older_than_the_change_does_not_skip_it(dynamodb: Any, clock: Clock) -> None:
    marks = DynamoRouteMarks(dynamodb, "state", clock)
    _routed_now(marks, "order#1001", clock)
    clock.now += 60  # the order changed again after that read: its new event is not covered
    centra, queue = FakeCentraQueue([_event(1, clock)]), FakeIngestQueue()

    result = poll(centra, queue, plenty_of_time, marks=marks)

    assert [m.object_id for m in queue.messages] == [1001] and result.skipped == {}


def test_a_read_within_the_allowance_of_createdat_does_not_cover_the_event(dynamodb: Any, clock: Clock) -> None:
    marks = DynamoRouteMarks(dynamodb, "state", clock)
    event = _event(1, clock)
    clock.now = event.created_at.timestamp() + CHANGE_TIME_ALLOWANCE_SECONDS - 0.5
    _routed_now(marks, "order#1001", clock)
    queue = FakeIngestQueue()

    result = poll(FakeCentraQueue([event]), queue, plenty_of_time, marks=marks)

    assert len(queue.messages) == 1 and result.skipped == {}


def test_a_deletion_is_queued_whatever_the_mark_says(dynamodb: Any, clock: Clock) -> None:
    marks = DynamoRouteMarks(dynamodb, "state", clock)
    _routed_now(marks, "customer#7", clock)
    queue = FakeIngestQueue()

    result = poll(
        FakeCentraQueue([_event(1, clock, "Customer", 7, change="DELETED")]), queue, plenty_of_time, marks=marks
    )

    assert [(m.object_type, m.change) for m in queue.messages] == [("customer", "DELETED")] and result.skipped == {}


def test_a_type_the_router_does_not_mark_is_queued_and_not_looked_at(dynamodb: Any, clock: Clock) -> None:
    # A newsletter subscription comes by the poller alone: the router takes no mark for it.
    counting = CountingDynamo(dynamodb)
    marks = DynamoRouteMarks(counting, "state", clock)
    _routed_now(marks, "newsletter_subscription#5", clock)
    counting.calls.clear()
    queue = FakeIngestQueue()

    poll(FakeCentraQueue([_event(1, clock, "NewsletterSubscription", 5)]), queue, plenty_of_time, marks=marks)

    assert len(queue.messages) == 1 and counting.calls == Counter()


class KeysAsked(CountingDynamo):
    """Records the keys every ``BatchGetItem`` asks for."""

    def __init__(self, client: Any) -> None:
        super().__init__(client)
        self.keys: list[str] = []

    def batch_get_item(self, **request: Any) -> dict[str, Any]:
        self.keys += [key["pk"]["S"] for table in request["RequestItems"].values() for key in table["Keys"]]
        return self._client.batch_get_item(**request)  # type: ignore[no-any-return]


def test_a_stock_change_in_parts_is_queued_whole_beside_a_skipped_order(dynamodb: Any, clock: Clock) -> None:
    # A stock change carries its levels and reads nothing: the router routes every part of it, unmarked.
    asked = KeysAsked(dynamodb)
    marks = DynamoRouteMarks(asked, "state", clock)
    _routed_now(marks, "order#1001", clock)
    stock = tuple(
        SkuStock(sku=f"S-{n:04}", warehouses=(WarehouseStock(warehouse_id=7, free_to_allocate=n),)) for n in range(150)
    )
    change = replace(_event(2, clock, "StockChange", 9), stock=stock)
    centra, queue = FakeCentraQueue([_event(1, clock), change]), FakeIngestQueue()

    result = poll(centra, queue, plenty_of_time, marks=marks)

    assert [(m.object_type, m.stock_part) for m in queue.messages] == [("stock_change", 1), ("stock_change", 2)]
    assert asked.keys == ["route#order#1001"]  # only what the router marks is looked at
    assert result.skipped == {"already_routed": 1} and (result.queued, result.confirmed) == (1, 2)


def test_unprocessed_keys_queue_the_events(dynamodb: Any, clock: Clock) -> None:
    marks = DynamoRouteMarks(dynamodb, "state", clock)
    _routed_now(marks, "order#1001", clock)
    unprocessed = UnprocessedDynamo(dynamodb)
    queue = FakeIngestQueue()

    result = poll(
        FakeCentraQueue([_event(1, clock)]), queue, plenty_of_time, marks=DynamoRouteMarks(unprocessed, "state", clock)
    )

    assert unprocessed.calls["batch_get_item"] == 1
    assert len(queue.messages) == 1 and result.skipped == {} and result.confirmed == 1


def test_a_failed_look_queues_every_event_and_is_counted(dynamodb: Any, clock: Clock) -> None:
    marks = DynamoRouteMarks(dynamodb, "state", clock)
    _routed_now(marks, "order#1001", clock)
    centra, queue = FakeCentraQueue([_event(1, clock), _event(2, clock)]), FakeIngestQueue()

    result = poll(centra, queue, plenty_of_time, marks=DynamoRouteMarks(BrokenDynamo(dynamodb), "state", clock))

    assert [m.object_id for m in queue.messages] == [1001, 1001] and centra.pending == []
    assert result.skipped == {} and result.marks_unread == 1


def test_a_page_of_more_than_a_hundred_objects_is_looked_at_in_calls_of_a_hundred_keys(
    dynamodb: Any, clock: Clock
) -> None:
    counting = CountingDynamo(dynamodb)
    marks = DynamoRouteMarks(counting, "state", clock)
    for reference in (1001, 1150):
        _routed_now(marks, f"order#{reference}", clock)
    counting.calls.clear()
    events = [_event(n, clock, reference=1000 + n) for n in range(1, 151)]
    queue = FakeIngestQueue()

    result = poll(FakeCentraQueue(events), queue, plenty_of_time, marks=marks)

    assert counting.calls == Counter({"batch_get_item": 2})
    assert result.skipped == {"already_routed": 2} and len(queue.messages) == 148 and result.confirmed == 150
