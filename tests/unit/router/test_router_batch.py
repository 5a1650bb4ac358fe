"""An invocation's routed messages go out together, one send per handler queue; its marks go back if they cannot."""

from collections.abc import Sequence
from typing import Any
from unittest import mock

import pytest
from pydantic import BaseModel

from engage_bridge.observability import metrics
from engage_bridge.route_marks import DynamoRouteMarks
from engage_bridge.router import RouterServices, route_ingest_event
from engage_bridge.router_batch import RoutingBatch
from engage_bridge.routing import Route
from engage_bridge.wiring import RouterLambdaEntry
from tests.aws import Clock
from tests.lambda_support import lambda_context, sqs_event
from tests.unit.router.test_route_marks import FailingQueues, _report, _services, router_consumer
from tests.unit.router.test_router import CONFIG, SHIPPED, FakeCentra, MemoryLedger, RecordingQueues


class CountingQueues(RecordingQueues):
    """Records every send call, as SQS bills them: one request per ``SendMessageBatch``."""

    def __init__(self, fail_first: int = 0) -> None:
        super().__init__()
        self.calls: list[Route] = []
        self._fail_first = fail_first

    def send(self, route: Route, messages: Sequence[BaseModel]) -> None:
        if self._fail_first:
            self._fail_first -= 1
            raise ConnectionError("SQS went away")
        self.calls.append(route)
        super().send(route, messages)


@pytest.fixture
def marks(dynamodb: Any, clock: Clock) -> DynamoRouteMarks:
    return DynamoRouteMarks(dynamodb, "state", clock)


def _batched(
    centra: FakeCentra, queues: RecordingQueues, marks: DynamoRouteMarks
) -> tuple[RouterServices, RoutingBatch]:
    batch = RoutingBatch(queues)
    return RouterServices(CONFIG, centra, MemoryLedger(), batch, marks=marks), batch


def test_an_invocations_records_go_out_in_one_send_per_handler_queue_contacts_first(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    reports = [_report("events", clock.now - 2, "order", SHIPPED.number), _report("events", clock.now - 2)]
    one_by_one = CountingQueues()
    for report in reports:
        route_ingest_event(_services(FakeCentra({SHIPPED.number: SHIPPED}), one_by_one, None), report)
    held = CountingQueues()
    services, batch = _batched(FakeCentra({SHIPPED.number: SHIPPED}), held, marks)

    for report in reports:
        route_ingest_event(services, report)
    assert held.calls == []  # nothing sent while the invocation routes
    batch.flush()

    # The order's report and its shipment's read the same order: the batch queues each of its messages once.
    assert len(one_by_one.business_keys()) > len(set(one_by_one.business_keys()))
    assert sorted(held.business_keys()) == sorted(set(one_by_one.business_keys()))
    assert len(held.calls) == len(set(held.calls)) < len(one_by_one.calls)
    assert held.calls == sorted(held.calls, key=["contact_upsert", "order_status", "receipt_push"].index)


def test_every_queue_is_held_to_the_end_of_the_invocation(marks: DynamoRouteMarks, clock: Clock) -> None:
    # Contacts and e-mails too: one send per queue per invocation, not one per queue per record.
    queues, centra = CountingQueues(), FakeCentra({SHIPPED.number: SHIPPED})
    services, batch = _batched(centra, queues, marks)

    route_ingest_event(services, _report("events", clock.now - 2, "order", SHIPPED.number))
    centra.orders[SHIPPED.number] = SHIPPED.model_copy(update={"id": "changed"})  # changed: new messages
    route_ingest_event(services, _report("events", clock.now - 2))
    before_flush = list(queues.calls)
    batch.flush()

    assert before_flush == []
    assert queues.calls == ["order_status"] and len(queues.sent) == 4  # each report: its order's two e-mails


def test_another_containers_report_while_the_messages_are_held_is_skipped_with_no_read(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    centra = FakeCentra({SHIPPED.number: SHIPPED})
    services, batch = _batched(centra, RecordingQueues(), marks)
    route_ingest_event(services, _report("webhook", clock.now - 2))

    # The mark was taken before the read: the change's other report is covered, held messages or not.
    during = route_ingest_event(_services(centra, RecordingQueues(), marks), _report("events", clock.now - 2))
    batch.flush()

    assert during.reason == "already_routed" and centra.reads == 1


def test_a_second_report_of_a_held_object_in_the_same_batch_finds_its_change_routed(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    centra, queues = FakeCentra({SHIPPED.number: SHIPPED}), RecordingQueues()
    services, batch = _batched(centra, queues, marks)

    first = route_ingest_event(services, _report("webhook", clock.now - 2))
    second = route_ingest_event(services, _report("events", clock.now - 2))
    batch.flush()

    assert first.state == "sent" and second.reason == "already_routed"
    assert centra.reads == 1 and len(queues.sent) == len(set(queues.business_keys()))


def test_a_failed_send_releases_every_held_claim_so_the_redelivery_routes_at_once(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    centra = FakeCentra({SHIPPED.number: SHIPPED})
    batch = RoutingBatch(FailingQueues())
    route_ingest_event(
        RouterServices(CONFIG, centra, MemoryLedger(), batch, marks=marks), _report("webhook", clock.now - 2)
    )

    with pytest.raises(ConnectionError):
        batch.flush()
    queues = RecordingQueues()
    again = route_ingest_event(_services(centra, queues, marks), _report("webhook", clock.now - 2))

    assert again.state == "sent" and queues.sent


def test_a_failed_send_fails_only_its_own_invocation(marks: DynamoRouteMarks, clock: Clock) -> None:
    centra, queues = FakeCentra({SHIPPED.number: SHIPPED}), CountingQueues(fail_first=1)
    services, batch = _batched(centra, queues, marks)
    route_ingest_event(services, _report("webhook", clock.now - 2))
    route_ingest_event(services, _report("events", clock.now - 2, "order", SHIPPED.number))
    with pytest.raises(ConnectionError):
        batch.flush()
    assert queues.sent == []

    # The redelivery: both marks were given back, so both records route again and the next flush sends them.
    again = [
        route_ingest_event(services, _report("webhook", clock.now - 2)),
        route_ingest_event(services, _report("events", clock.now - 2, "order", SHIPPED.number)),
    ]
    batch.flush()

    # The second record reads the order again; its messages are the first record's, held once.
    assert [outcome.state for outcome in again] == ["sent", "skipped"] and centra.reads == 4
    assert queues.sent and len(queues.sent) == len(set(queues.business_keys()))


class _NoDeadline:
    def set_deadline(self, remaining_ms: Any) -> None:
        return None


def _entry(services: RouterServices) -> RouterLambdaEntry:
    consumer = router_consumer(services)
    return RouterLambdaEntry(consumer, services, _NoDeadline())


def test_the_router_entry_sends_once_its_records_are_routed_and_fails_the_invocation_if_it_cannot(
    marks: DynamoRouteMarks, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metrics, "namespace", metrics.namespace or "Test")  # the entry flushes the stack's metrics
    bodies = [
        _report("events", clock.now - 2, "order", SHIPPED.number).model_dump_json(),
        _report("events", clock.now - 2).model_dump_json(),
    ]
    sent = CountingQueues()
    with mock.patch("engage_bridge.router.count"):
        answer = _entry(_batched(FakeCentra({SHIPPED.number: SHIPPED}), sent, marks)[0])(
            sqs_event(bodies), lambda_context()
        )
    assert answer["batchItemFailures"] == [] and len(sent.calls) == len(set(sent.calls)) > 0

    batch = RoutingBatch(FailingQueues())
    failing = RouterServices(CONFIG, FakeCentra({SHIPPED.number: SHIPPED}), MemoryLedger(), batch, marks=marks)
    clock.now += 60
    later = _report("webhook", clock.now - 2).model_dump_json()  # the shipment changed again: routed again
    with mock.patch("engage_bridge.router.count"), pytest.raises(ConnectionError):
        _entry(failing)(sqs_event([later]), lambda_context())
