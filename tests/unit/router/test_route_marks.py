"""One route per change: the second report of a change (webhook, then poller) costs no Centra read, no message."""

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from aws_lambda_powertools import Logger
from pydantic import BaseModel

from engage_bridge.consumer import SqsConsumer
from engage_bridge.messages import IngestEvent, IngestSource
from engage_bridge.observability import bounded_metrics
from engage_bridge.route_marks import DynamoRouteMarks, Verdict
from engage_bridge.router import RouterServices, look_ahead, route_ingest_event
from engage_bridge.routing import Route
from tests.aws import Clock
from tests.lambda_support import lambda_context, sqs_event
from tests.unit.router.test_router import CONFIG, SHIPPED, FakeCentra, MemoryLedger, RecordingQueues


class FailingQueues(RecordingQueues):
    def send(self, route: Route, messages: Sequence[BaseModel]) -> None:
        raise ConnectionError("SQS went away")


@pytest.fixture
def marks(dynamodb: Any, clock: Clock) -> DynamoRouteMarks:
    return DynamoRouteMarks(dynamodb, "state", clock)


def _services(centra: FakeCentra, queues: RecordingQueues, marks: DynamoRouteMarks | None) -> RouterServices:
    return RouterServices(CONFIG, centra, MemoryLedger(), queues, marks=marks)


def router_consumer(services: RouterServices) -> SqsConsumer[IngestEvent]:
    """The router's consumer as it is wired: no Powertools record, the route mark deduplicates a change's reports."""
    return SqsConsumer(
        message_model=IngestEvent,
        effect=lambda event: route_ingest_event(services, event),
        dead_letters=mock.Mock(),
        persistence=None,
        metrics=bounded_metrics(namespace="Test", service="router"),
        logger=Logger(service="router"),
    )


def _report(
    source: IngestSource, changed_by: float, object_type: str = "shipment", object_id: int = 3101
) -> IngestEvent:
    return IngestEvent.model_validate(
        {
            "source": source,
            "object_type": object_type,
            "object_id": object_id,
            "changed_by": datetime.fromtimestamp(changed_by, UTC),
        }
    )


def test_the_polls_report_of_a_change_the_webhook_routed_costs_no_read_and_no_message(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    centra, queues = FakeCentra({SHIPPED.number: SHIPPED}), RecordingQueues()
    changed = clock.now - 2
    first = route_ingest_event(_services(centra, queues, marks), _report("webhook", changed))
    reads, messages = centra.reads, len(queues.sent)

    clock.now += 40  # the next poll
    second = route_ingest_event(_services(centra, queues, marks), _report("events", changed))

    assert first.state == "sent" and reads == 1 and messages > 0
    assert (second.state, second.reason) == ("skipped", "already_routed")
    assert (centra.reads, len(queues.sent)) == (reads, messages)


def test_without_marks_both_reports_are_routed(clock: Clock) -> None:
    centra, queues = FakeCentra({SHIPPED.number: SHIPPED}), RecordingQueues()
    route_ingest_event(_services(centra, queues, None), _report("webhook", clock.now))
    route_ingest_event(_services(centra, queues, None), _report("events", clock.now))

    assert centra.reads == 2


def test_a_change_after_the_read_started_is_routed_again(marks: DynamoRouteMarks, clock: Clock) -> None:
    centra, queues = FakeCentra({SHIPPED.number: SHIPPED}), RecordingQueues()
    route_ingest_event(_services(centra, queues, marks), _report("webhook", clock.now - 1))

    outcome = route_ingest_event(_services(centra, queues, marks), _report("events", clock.now + 0.001))

    assert outcome.reason != "already_routed" and centra.reads == 2


def test_a_routing_that_fails_after_taking_the_mark_leaves_the_change_to_the_next_report(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    centra = FakeCentra({SHIPPED.number: SHIPPED})
    with pytest.raises(ConnectionError):
        route_ingest_event(_services(centra, FailingQueues(), marks), _report("webhook", clock.now))

    queues = RecordingQueues()
    outcome = route_ingest_event(_services(centra, queues, marks), _report("events", clock.now))

    assert outcome.state == "sent" and queues.sent


def test_a_mark_left_by_a_dead_invocation_is_taken_again_by_its_own_message_and_covers_the_other_report(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    webhook = _report("webhook", clock.now - 1)
    verdict, claim = marks.take("shipment#3101", int(clock.now * 1000) - 1000, webhook.business_key)  # then it died
    centra, queues = FakeCentra({SHIPPED.number: SHIPPED}), RecordingQueues()

    poll = route_ingest_event(_services(centra, queues, marks), _report("events", clock.now - 1))
    clock.now += 360  # the ingest queue's visibility timeout: the dead invocation's message comes back
    redelivered = route_ingest_event(_services(centra, queues, marks), webhook)

    assert verdict is Verdict.ROUTE and claim is not None
    assert poll.reason == "already_routed"  # the webhook's message answers for the change: nothing lost
    assert redelivered.state == "sent" and centra.reads == 1 and queues.sent


def test_a_mark_taken_before_the_change_does_not_cover_it_and_a_later_mark_is_kept(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    verdict, earlier = marks.take("shipment#3101", int(clock.now * 1000) - 1000, "an earlier report")
    clock.now += 5
    centra, queues = FakeCentra({SHIPPED.number: SHIPPED}), RecordingQueues()

    outcome = route_ingest_event(_services(centra, queues, marks), _report("webhook", clock.now - 1))
    assert earlier is not None
    marks.release(earlier)  # the slower, earlier read fails after the later one took the mark: nothing to give back
    late_poll = route_ingest_event(_services(centra, queues, marks), _report("events", clock.now - 1))

    assert verdict is Verdict.ROUTE and outcome.state == "sent"
    assert late_poll.reason == "already_routed"  # the later read's mark is kept


def test_a_failed_routing_gives_back_the_mark_it_replaced(marks: DynamoRouteMarks, clock: Clock) -> None:
    centra = FakeCentra({SHIPPED.number: SHIPPED})
    first = _report("webhook", clock.now - 1)
    route_ingest_event(_services(centra, RecordingQueues(), marks), first)
    clock.now += 10
    with pytest.raises(ConnectionError):  # a later change's routing fails after taking the mark
        route_ingest_event(_services(centra, FailingQueues(), marks), _report("webhook", clock.now - 1))

    first_poll = route_ingest_event(_services(centra, RecordingQueues(), marks), _report("events", clock.now - 11))
    later_poll = route_ingest_event(_services(centra, RecordingQueues(), marks), _report("events", clock.now - 1))

    assert first_poll.reason == "already_routed"  # the first read still covers its change
    assert later_poll.state == "sent"  # the failed one covers nothing: the later change's other report routes it


def test_a_deletion_is_routed_even_while_another_report_holds_the_mark(marks: DynamoRouteMarks, clock: Clock) -> None:
    centra, queues = FakeCentra(), RecordingQueues()
    webhook = _report("webhook", clock.now - 1, "customer", 77).model_copy(update={"change": "update"})
    marks.take("customer#77", int(clock.now * 1000) - 1000, webhook.business_key)  # its read is under way
    event = _report("events", clock.now - 1, "customer", 77).model_copy(update={"change": "DELETED"})

    outcome = route_ingest_event(_services(centra, queues, marks), event)

    assert outcome.state == "sent" and [route for route, _ in queues.sent] == ["contact_upsert"]


def test_an_object_centra_did_not_return_is_not_marked_so_a_deletion_still_routes(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    centra, queues = FakeCentra(), RecordingQueues()
    webhook = _report("webhook", clock.now - 1, "customer", 77).model_copy(update={"change": "update"})
    event = _report("events", clock.now - 1, "customer", 77).model_copy(update={"change": "DELETED"})

    route_ingest_event(_services(centra, queues, marks), webhook)
    outcome = route_ingest_event(_services(centra, queues, marks), event)

    assert outcome.state == "sent" and centra.reads == 2
    assert [route for route, _ in queues.sent] == ["contact_upsert"]


def test_reports_without_a_change_time_and_stock_changes_are_always_routed(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    centra, queues = FakeCentra({SHIPPED.number: SHIPPED}), RecordingQueues()
    reconcile = IngestEvent(source="reconcile", object_type="shipment", object_id=3101)
    route_ingest_event(_services(centra, queues, marks), reconcile)
    route_ingest_event(_services(centra, queues, marks), reconcile)

    assert centra.reads == 2


def test_the_mark_expires_with_the_state_tables_ttl(dynamodb: Any, marks: DynamoRouteMarks, clock: Clock) -> None:
    marks.take("order#1", int(clock.now * 1000), "a report")
    item = dynamodb.get_item(TableName="state", Key={"pk": {"S": "route#order#1"}, "sk": {"S": "route"}})["Item"]

    assert int(item["expiration"]["N"]) > clock.now + timedelta(hours=1).total_seconds()


class CountingDynamo:
    """The moto client, with the calls the marks make counted by operation (what the state table bills)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.exceptions = client.exceptions
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        self.calls[name] += 1
        return getattr(self._client, name)


def test_a_report_the_mark_covers_costs_one_read_and_no_write(dynamodb: Any, clock: Clock) -> None:
    counting = CountingDynamo(dynamodb)
    marks = DynamoRouteMarks(counting, "state", clock)
    centra, queues = FakeCentra({SHIPPED.number: SHIPPED}), RecordingQueues()
    route_ingest_event(_services(centra, queues, marks), _report("webhook", clock.now - 2))
    first = dict(counting.calls)

    clock.now += 40
    second = route_ingest_event(_services(centra, queues, marks), _report("events", clock.now - 42))

    assert first == {"get_item": 1, "update_item": 1}  # look, take: nothing written after the messages are queued
    assert second.reason == "already_routed"
    assert counting.calls - Counter(first) == Counter({"get_item": 1})


def test_two_messages_with_the_same_report_are_routed_once(marks: DynamoRouteMarks, clock: Clock) -> None:
    # Two webhook deliveries for one object within a second carry the same business key: the mark names the SQS
    # message that took it, so the second message is covered like any other report.
    centra, queues = FakeCentra({SHIPPED.number: SHIPPED}), RecordingQueues()
    services = _services(centra, queues, marks)
    consumer = router_consumer(services)
    body = _report("webhook", clock.now - 2).model_dump_json()

    with mock.patch("engage_bridge.router.count"):
        consumer(sqs_event([body, body]), lambda_context())  # messages m0 and m1

    assert centra.reads == 1


def test_a_message_whose_invocations_died_is_routed_when_an_operator_redrives_it(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    # Every receive died after taking the mark (a timeout), so SQS moved it to the ingest DLQ with the mark standing.
    report = _report("webhook", clock.now - 2)
    marks.take("shipment#3101", int(clock.now * 1000), "the dead message")
    centra, queues = FakeCentra({SHIPPED.number: SHIPPED}), RecordingQueues()
    services = _services(centra, queues, marks)
    consumer = router_consumer(services)
    redriven = sqs_event([report.model_dump_json()])
    redriven["Records"][0]["messageId"] = "a new id"  # `engage-bridge dlq redrive` sends it anew
    redriven["Records"][0]["messageAttributes"] = {"redrive_count": {"stringValue": "1", "dataType": "Number"}}
    other_report = sqs_event([_report("events", clock.now - 2).model_dump_json()])

    with mock.patch("engage_bridge.router.count"):
        consumer(other_report, lambda_context())  # covered by the dead message's mark: that message answers for it
        consumer(redriven, lambda_context())

    assert centra.reads == 1 and queues.sent


def test_a_redelivered_ingest_message_is_routed_again_without_an_idempotency_record(
    dynamodb: Any, marks: DynamoRouteMarks, clock: Clock
) -> None:
    centra, queues = FakeCentra({SHIPPED.number: SHIPPED}), RecordingQueues()
    services = _services(centra, queues, marks)
    consumer = router_consumer(services)
    body = _report("events", clock.now - 2).model_dump_json()

    with mock.patch("engage_bridge.router.count"):
        answers = [consumer(sqs_event([body]), lambda_context()) for _ in range(2)]  # SQS delivered it twice

    # The mark cannot tell a redelivery after a crash from a duplicate after success: both route, and the
    # handlers deduplicate what they receive on its business key (one ledger claim per effect).
    assert [answer["batchItemFailures"] for answer in answers] == [[], []]
    keys = queues.business_keys()
    assert centra.reads == 2 and keys and keys[: len(keys) // 2] == keys[len(keys) // 2 :]
    stored = dynamodb.scan(TableName="state")["Items"]
    assert [item["pk"]["S"] for item in stored] == ["route#shipment#3101"]


def test_a_batchs_reports_look_at_their_marks_in_one_read(dynamodb: Any, clock: Clock) -> None:
    counting = CountingDynamo(dynamodb)
    centra, queues = FakeCentra({SHIPPED.number: SHIPPED}), RecordingQueues()
    services = _services(centra, queues, DynamoRouteMarks(counting, "state", clock))
    changed = clock.now - 2
    reports = [_report(source, changed).model_dump_json() for source in ("webhook", "events", "webhook")]
    batch = sqs_event(reports)

    look_ahead(services, batch["Records"])
    with mock.patch("engage_bridge.router.count"):
        answer = router_consumer(services)(batch, lambda_context())

    # One look for the batch, a moment old, then its one take; the other reports of the change are covered by
    # that take's read, with no call at all.
    assert counting.calls == Counter({"batch_get_item": 1, "update_item": 1})
    assert answer["batchItemFailures"] == [] and centra.reads == 1 and queues.sent


def test_a_mark_another_container_took_after_the_batchs_look_is_read_not_written(dynamodb: Any, clock: Clock) -> None:
    counting = CountingDynamo(dynamodb)
    marks = DynamoRouteMarks(counting, "state", clock)
    changed_ms = int(clock.now * 1000) - 2000
    marks.look_ahead(["shipment#3101"])  # nothing marked yet
    DynamoRouteMarks(dynamodb, "state", clock).take("shipment#3101", changed_ms, "another container's report")
    clock.now += 2  # the record's turn comes after the batch's read ahead: the look is no longer a moment old

    verdict, claim = marks.take("shipment#3101", changed_ms, "m0")

    assert (verdict, claim) == (Verdict.COVERED, None)
    assert counting.calls == Counter({"batch_get_item": 1, "get_item": 1})  # no refused write (a write unit)


def test_a_mark_given_back_is_read_again_by_the_batchs_next_report(dynamodb: Any, clock: Clock) -> None:
    counting = CountingDynamo(dynamodb)
    centra = FakeCentra()  # the shipment is not found: its mark is given back, so the other report routes
    services = _services(centra, RecordingQueues(), DynamoRouteMarks(counting, "state", clock))
    changed = clock.now - 2
    batch = sqs_event([_report("webhook", changed).model_dump_json(), _report("events", changed).model_dump_json()])

    look_ahead(services, batch["Records"])
    with mock.patch("engage_bridge.router.count"):
        router_consumer(services)(batch, lambda_context())

    assert centra.reads == 2
    # The first report took on the batch's look; it gave the mark back, so the second read the mark before its take.
    assert counting.calls["batch_get_item"] == 1 and counting.calls["get_item"] == 1


def test_what_one_invocation_looked_at_is_not_kept_for_the_next(dynamodb: Any, clock: Clock) -> None:
    counting = CountingDynamo(dynamodb)
    marks = DynamoRouteMarks(counting, "state", clock)
    marks.look_ahead(["shipment#3101"])
    marks.take("shipment#3101", int(clock.now * 1000) - 2000, "m0")

    marks.look_ahead(["order#1"])  # the next invocation, another object
    verdict, _ = marks.take("shipment#3101", int(clock.now * 1000) - 2000, "m1")

    assert verdict is Verdict.COVERED  # read from the table, not from the earlier look
    assert counting.calls == Counter({"batch_get_item": 2, "update_item": 1, "get_item": 1})


class LookFails(CountingDynamo):
    def batch_get_item(self, **_: Any) -> Any:
        raise ConnectionError("DynamoDB did not answer")


def test_a_look_that_fails_leaves_each_report_to_read_its_own_mark(dynamodb: Any, clock: Clock) -> None:
    counting = LookFails(dynamodb)
    centra, queues = FakeCentra({SHIPPED.number: SHIPPED}), RecordingQueues()
    services = _services(centra, queues, DynamoRouteMarks(counting, "state", clock))
    changed = clock.now - 2
    batch = sqs_event([_report("webhook", changed).model_dump_json(), _report("events", changed).model_dump_json()])

    look_ahead(services, batch["Records"])
    with mock.patch("engage_bridge.router.count"):
        answer = router_consumer(services)(batch, lambda_context())

    assert answer["batchItemFailures"] == [] and centra.reads == 1
    assert counting.calls == Counter({"get_item": 2, "update_item": 1})
