"""A batch's Centra reads made together (``router.read_ahead``): marks first, one request for the objects, each
report routed from its own part of the answer as it would have been alone; a part that fails fails alone."""

from collections.abc import Callable
from typing import Any
from unittest import mock

import httpx
import pytest

from engage_bridge.messages import IngestEvent
from engage_bridge.route_marks import DynamoRouteMarks, Verdict
from engage_bridge.router import RouterServices, read_ahead, release_unread, route_ingest_event
from engage_bridge_tools.centra_fake.fake import CentraFake
from tests.aws import Clock
from tests.lambda_support import lambda_context, sqs_event
from tests.unit.centra.fake_support import FakeCentraTransport, client_of
from tests.unit.router.test_route_marks import CountingDynamo, _report, router_consumer
from tests.unit.router.test_router import CONFIG, MemoryLedger, RecordingQueues

Rewrite = Callable[[str, dict[str, Any]], httpx.Response | None]


def _services(transport: FakeCentraTransport, marks: DynamoRouteMarks | None) -> tuple[RouterServices, RecordingQueues]:
    queues = RecordingQueues()
    return RouterServices(CONFIG, client_of(transport), MemoryLedger(), queues, marks=marks), queues


def _bodies(clock: Clock) -> list[str]:
    changed = clock.now - 2
    reports = [
        _report("events", changed, "order", 1001),
        _report("webhook", changed, "shipment", 2),
        _report("events", changed, "return", 1),
        _report("webhook", changed, "customer", 3),
        _report("events", changed, "newsletter_subscription", 1),
        _report("events", changed, "order", 1002).model_copy(update={"changed_by": None}),  # no mark: still read
    ]
    return [report.model_dump_json() for report in reports]


def _invoke(services: RouterServices, event: dict[str, Any]) -> dict[str, Any]:
    """What the router's Lambda entry does around its consumer (``RouterLambdaEntry``)."""
    with mock.patch("engage_bridge.router.count"):
        try:
            read_ahead(services, event["Records"])
            answer: dict[str, Any] = dict(router_consumer(services)(event, lambda_context()))
        finally:
            release_unread(services)
    return answer


def test_a_batchs_objects_are_read_in_two_requests_and_routed_as_one_by_one(dynamodb: Any, clock: Clock) -> None:
    fake = CentraFake.from_file()
    bodies = _bodies(clock)
    alone, alone_queues = _services(FakeCentraTransport(fake), None)
    for body in bodies:
        route_ingest_event(alone, IngestEvent.model_validate_json(body))
    transport = FakeCentraTransport(fake)
    services, queues = _services(transport, DynamoRouteMarks(dynamodb, "state", clock))

    answer = _invoke(services, sqs_event(bodies))

    assert answer["batchItemFailures"] == []
    assert transport.operations == ["RouterObjects", "OrderShipments"]
    assert sorted(queues.business_keys()) == sorted(alone_queues.business_keys()) != []


def test_every_mark_is_taken_before_the_batchs_read(dynamodb: Any, clock: Clock) -> None:
    happened: list[str] = []

    class Logged(CountingDynamo):
        def __getattr__(self, name: str) -> Any:
            happened.append(name)
            return super().__getattr__(name)

    def log(operation: str, body: dict[str, Any]) -> None:
        happened.append(operation)

    services, _ = _services(
        FakeCentraTransport(CentraFake.from_file(), log), DynamoRouteMarks(Logged(dynamodb), "state", clock)
    )

    _invoke(services, sqs_event(_bodies(clock)))

    takes = [n for n, call in enumerate(happened) if call == "update_item"]
    assert len(takes) == 4 and max(takes) < happened.index("RouterObjects")  # the subscription takes none


def test_a_report_the_batch_already_covers_is_neither_read_nor_routed_again(dynamodb: Any, clock: Clock) -> None:
    changed = clock.now - 2
    bodies = [_report(source, changed, "shipment", 2).model_dump_json() for source in ("webhook", "events")]
    transport = FakeCentraTransport(CentraFake.from_file())
    services, queues = _services(transport, DynamoRouteMarks(dynamodb, "state", clock))

    answer = _invoke(services, sqs_event(bodies))

    assert answer["batchItemFailures"] == []
    assert transport.operations == ["RouterObjects", "OrderShipments"]
    assert transport.variables[0] == {"v0": 2}  # the shipment once, for the report that took its mark
    keys = queues.business_keys()
    assert keys and len(keys) == len(set(keys))


def _refused_then(alias: str, operation: str, failures: int) -> Rewrite:
    """The batch's part ``alias`` refused; the report's own read (``operation``) unavailable ``failures`` times."""
    left = [failures]

    def rewrite(sent: str, body: dict[str, Any]) -> httpx.Response | None:
        if sent == "RouterObjects":
            error = {"message": "Internal error", "path": [alias]}
            return httpx.Response(200, json={"data": {**body["data"], alias: None}, "errors": [error]})
        if sent == operation and left[0]:
            left[0] -= 1
            return httpx.Response(503)
        return None

    return rewrite


def test_a_report_whose_part_fails_reads_alone_and_is_retried_alone(dynamodb: Any, clock: Clock) -> None:
    transport = FakeCentraTransport(CentraFake.from_file(), _refused_then("r2", "ReturnOrder", failures=2))
    services, queues = _services(transport, DynamoRouteMarks(dynamodb, "state", clock))
    event = sqs_event(_bodies(clock))

    answer = _invoke(services, event)

    assert answer["batchItemFailures"] == [{"itemIdentifier": "m2"}]  # the return's report, and only it
    assert transport.operations.count("ReturnOrder") == 2 and queues.sent
    # Its mark is given back: another report of the change routes at once, with no wait for the retry.
    changed_ms = int((clock.now - 2) * 1000)
    verdict, _ = DynamoRouteMarks(dynamodb, "state", clock).take("return#1", changed_ms, "another report")
    assert verdict is Verdict.ROUTE


def test_a_failed_first_report_leaves_the_batchs_second_report_of_the_change_to_route(
    dynamodb: Any, clock: Clock
) -> None:
    changed = clock.now - 2
    bodies = [_report(source, changed, "order", 1001).model_dump_json() for source in ("webhook", "events")]
    transport = FakeCentraTransport(CentraFake.from_file(), _refused_then("o0", "Order", failures=2))
    services, queues = _services(transport, DynamoRouteMarks(dynamodb, "state", clock))

    answer = _invoke(services, sqs_event(bodies))

    # The webhook's report took the mark and failed; it gave the mark back, so the poll's report routed the change.
    assert answer["batchItemFailures"] == [{"itemIdentifier": "m0"}]
    assert transport.operations.count("Order") == 3 and queues.sent


def test_marks_taken_ahead_for_reports_never_routed_are_given_back(dynamodb: Any, clock: Clock) -> None:
    services, queues = _services(
        FakeCentraTransport(CentraFake.from_file()), DynamoRouteMarks(dynamodb, "state", clock)
    )
    event = sqs_event(_bodies(clock))

    read_ahead(services, event["Records"])
    release_unread(services)  # the invocation failed before routing them

    marks = DynamoRouteMarks(dynamodb, "state", clock)
    changed_ms = int((clock.now - 2) * 1000)
    assert all(
        marks.take(key, changed_ms, "another report")[0] is Verdict.ROUTE for key in ("order#1001", "customer#3")
    )
    assert queues.sent == []


@pytest.mark.parametrize("broken", ["take", "read"])
def test_a_read_ahead_that_fails_leaves_each_report_to_its_own_reads(dynamodb: Any, clock: Clock, broken: str) -> None:
    class TakesFail(CountingDynamo):
        def __getattr__(self, name: str) -> Any:
            if name == "update_item" and broken == "take" and not routing[0]:
                raise ConnectionError("DynamoDB went away")
            return super().__getattr__(name)

    routing = [False]
    transport = FakeCentraTransport(CentraFake.from_file())
    services, queues = _services(transport, DynamoRouteMarks(TakesFail(dynamodb), "state", clock))
    if broken == "read":
        services = RouterServices(
            CONFIG, mock.Mock(wraps=services.centra), MemoryLedger(), queues, marks=services.marks
        )
        services.centra.read_together.side_effect = RuntimeError("a bug")  # type: ignore[attr-defined]
    event = sqs_event(_bodies(clock))

    with mock.patch("engage_bridge.router.count"):
        read_ahead(services, event["Records"])
        routing[0] = True
        answer = router_consumer(services)(event, lambda_context())

    assert answer["batchItemFailures"] == [] and queues.sent
    assert "Order" in transport.operations  # read alone, as before
