"""What the route marks write per scenario, as the router's Lambda entry runs them (``router.read_ahead``, then each
record): one conditional write per object a batch routes, however many of the batch's reports name it; a mark
given back costs its write; two containers at one moment route a change once."""

from collections import Counter
from typing import Any

from engage_bridge.ingress.webhook import _OBJECT_TYPES as WEBHOOK_OBJECT_TYPES
from engage_bridge.route_marks import MARKED, DynamoRouteMarks, Verdict
from engage_bridge.router import RouterServices
from engage_bridge_tools.centra_fake.fake import CentraFake
from tests.aws import Clock
from tests.lambda_support import sqs_event
from tests.unit.centra.fake_support import FakeCentraTransport, client_of
from tests.unit.router.test_route_marks import CountingDynamo, _report
from tests.unit.router.test_router import CONFIG, MemoryLedger, RecordingQueues
from tests.unit.router.test_router_reads import _invoke, _refused_then


def _router(
    dynamodb: Any, clock: Clock, transport: FakeCentraTransport | None = None
) -> tuple[RouterServices, CountingDynamo, FakeCentraTransport, RecordingQueues]:
    counting, queues = CountingDynamo(dynamodb), RecordingQueues()
    transport = transport or FakeCentraTransport(CentraFake.from_file())
    marks = DynamoRouteMarks(counting, "state", clock)
    return (
        RouterServices(CONFIG, client_of(transport), MemoryLedger(), queues, marks=marks),
        counting,
        transport,
        queues,
    )


def _routed(answer: dict[str, Any]) -> None:
    assert answer["batchItemFailures"] == []


def _batch(bodies: list[str], name: str = "m") -> dict[str, Any]:
    """An SQS batch whose message ids start with ``name`` (each report its own message)."""
    event = sqs_event(bodies)
    for record in event["Records"]:
        record["messageId"] = record["messageId"].replace("m", name, 1)
    return event


def test_three_reports_of_one_order_in_a_batch_take_its_mark_once(dynamodb: Any, clock: Clock) -> None:
    # The poller's events of one order (UPDATED, then COMPLETED) say their change happened by createdAt + 2 s,
    # later than the batch's take: each used to take the mark again (a write each). Every report of the batch
    # arrived before the take, so the one read after it covers them all.
    changed_by = clock.now + 1
    bodies = [
        _report(source, changed_by, "order", 1001).model_dump_json() for source in ("events", "events", "webhook")
    ]
    services, counting, transport, queues = _router(dynamodb, clock)

    _routed(_invoke(services, sqs_event(bodies)))

    assert counting.calls == Counter({"batch_get_item": 1, "update_item": 1})  # one look, one write, no GetItem
    assert transport.operations == ["RouterObjects", "OrderShipments"] and transport.variables[0] == {"v0": 1001}
    keys = queues.business_keys()
    assert keys and len(keys) == len(set(keys))


def test_a_shipment_and_its_order_in_a_batch_take_two_marks(dynamodb: Any, clock: Clock) -> None:
    # Two objects, two marks: the order's poll report finds only `route#order#…`, and a webhook names a shipment by
    # its id alone (centra-api.md §3.3), so the shipment's mark cannot be the order's. Their reads share a request.
    changed = clock.now - 2
    bodies = [
        _report("webhook", changed, "shipment", 2).model_dump_json(),
        _report("webhook", changed, "order", 1001).model_dump_json(),
        _report("events", clock.now + 1, "order", 1001).model_dump_json(),
    ]
    services, counting, transport, _ = _router(dynamodb, clock)

    _routed(_invoke(services, sqs_event(bodies)))

    assert counting.calls == Counter({"batch_get_item": 1, "update_item": 2})
    assert transport.operations == ["RouterObjects", "OrderShipments"]

    # The poll reports of both, in the next invocation: covered by the look, nothing written or read.
    clock.now += 40
    polls = [
        _report("events", changed, kind, number).model_dump_json()
        for kind, number in (("shipment", 2), ("order", 1001))
    ]
    _routed(_invoke(services, _batch(polls, "poll")))
    assert counting.calls == Counter({"batch_get_item": 2, "update_item": 2})
    assert transport.operations == ["RouterObjects", "OrderShipments"]


def test_a_return_and_its_order_in_a_batch_take_two_marks(dynamodb: Any, clock: Clock) -> None:
    changed = clock.now - 2
    bodies = [
        _report("events", changed, "return", 1).model_dump_json(),
        _report("events", clock.now + 1, "order", 1001).model_dump_json(),
        _report("webhook", changed, "return", 1).model_dump_json(),
    ]
    services, counting, _, _ = _router(dynamodb, clock)

    _routed(_invoke(services, sqs_event(bodies)))

    assert counting.calls == Counter({"batch_get_item": 1, "update_item": 2})


def test_two_copies_in_two_containers_at_one_moment_route_once(dynamodb: Any, clock: Clock) -> None:
    # Both containers look before either takes; the conditional write decides: one routes, the other is refused
    # (a write unit, the price of not reading the mark again a moment after the look).
    changed_ms = int(clock.now * 1000) - 2000
    first, one, _, _ = _router(dynamodb, clock)
    second, two, _, _ = _router(dynamodb, clock)
    assert first.marks is not None and second.marks is not None
    first.marks.look_ahead(["shipment#2"])
    second.marks.look_ahead(["shipment#2"])

    verdicts = [
        first.marks.take("shipment#2", changed_ms, "m-webhook")[0],
        second.marks.take("shipment#2", changed_ms, "m-events")[0],
    ]

    assert verdicts == [Verdict.ROUTE, Verdict.COVERED]
    assert one.calls + two.calls == Counter({"batch_get_item": 2, "update_item": 2})


def test_a_copy_in_another_container_a_moment_later_is_covered_by_the_look(dynamodb: Any, clock: Clock) -> None:
    changed = clock.now - 2
    first, one, _, first_queues = _router(dynamodb, clock)
    second, two, second_transport, second_queues = _router(dynamodb, clock)

    _routed(_invoke(first, _batch([_report("webhook", changed, "shipment", 2).model_dump_json()])))
    clock.now += 0.5
    _routed(_invoke(second, _batch([_report("events", changed, "shipment", 2).model_dump_json()], "copy")))

    assert first_queues.sent and not second_queues.sent and second_transport.operations == []
    assert one.calls == Counter({"batch_get_item": 1, "update_item": 1})
    assert two.calls == Counter({"batch_get_item": 1})


def test_a_failed_routing_gives_the_mark_back_and_the_batchs_next_report_routes_alone(
    dynamodb: Any, clock: Clock
) -> None:
    # The first report of the return takes its mark; its part of the batch's read fails and its own reads fail
    # too, so it gives the mark back and is retried. The batch's second report of the return was covered by that
    # take: it now reads the mark, takes it and routes, so the change is routed in this invocation all the same.
    transport = FakeCentraTransport(CentraFake.from_file(), _refused_then("r0", "ReturnOrder", failures=3))
    services, counting, _, queues = _router(dynamodb, clock, transport)
    changed = clock.now - 2
    bodies = [_report(source, changed, "return", 1).model_dump_json() for source in ("events", "webhook")]

    answer = _invoke(services, sqs_event(bodies))

    assert answer["batchItemFailures"] == [{"itemIdentifier": "m0"}]
    assert queues.sent
    # take, give back, the second report's take; the mark read once, after the give-back
    assert counting.calls == Counter({"batch_get_item": 1, "update_item": 3, "get_item": 1})
    item = dynamodb.get_item(TableName="state", Key={"pk": {"S": "route#return#1"}, "sk": {"S": "route"}})["Item"]
    assert item["claim_by"]["S"] == "m1"


def test_only_what_the_webhook_also_reports_is_marked(dynamodb: Any, clock: Clock) -> None:
    # A newsletter subscription comes by the poller alone: no second report of its change to skip, so no write.
    assert frozenset(WEBHOOK_OBJECT_TYPES.values()) == MARKED
    services, counting, transport, queues = _router(dynamodb, clock)
    body = _report("events", clock.now - 2, "newsletter_subscription", 1).model_dump_json()

    _routed(_invoke(services, _batch([body])))

    assert counting.calls == Counter() and transport.operations == ["RouterObjects"] and queues.sent
