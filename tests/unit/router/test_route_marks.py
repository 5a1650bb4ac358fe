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
from engage_bridge.route_marks import LEASE_SECONDS, DynamoRouteMarks, RouteInProgress, Verdict
from engage_bridge.router import RouterServices, route_ingest_event
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


def test_a_claim_left_by_a_dead_invocation_holds_reports_back_until_its_lease_ends(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    verdict, claim = marks.take("shipment#3101", int(clock.now * 1000) - 1000)  # then the invocation died
    centra, queues = FakeCentra({SHIPPED.number: SHIPPED}), RecordingQueues()
    report = _report("events", clock.now - 1)

    with pytest.raises(RouteInProgress):  # retried later by the queue, never dropped
        route_ingest_event(_services(centra, queues, marks), report)
    clock.now += LEASE_SECONDS + 1
    outcome = route_ingest_event(_services(centra, queues, marks), report)

    assert verdict is Verdict.ROUTE and claim is not None
    assert outcome.state == "sent" and centra.reads == 1


def test_a_live_claim_whose_read_started_before_the_change_does_not_hold_it_back(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    _, earlier = marks.take("shipment#3101", int(clock.now * 1000) - 1000)
    clock.now += 5
    centra, queues = FakeCentra({SHIPPED.number: SHIPPED}), RecordingQueues()

    outcome = route_ingest_event(_services(centra, queues, marks), _report("webhook", clock.now - 1))
    assert earlier is not None
    marks.routed(earlier)  # the slower, earlier read completes after the later one
    late_poll = route_ingest_event(_services(centra, queues, marks), _report("events", clock.now - 1))

    assert outcome.state == "sent"
    assert late_poll.reason == "already_routed"  # the later read's mark is kept, not replaced by the earlier one


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
    marks.take("order#1", int(clock.now * 1000))
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

    assert first == {"get_item": 1, "update_item": 2}  # look, claim, complete
    assert second.reason == "already_routed"
    assert counting.calls - Counter(first) == Counter({"get_item": 1})


def test_a_redelivered_ingest_message_is_routed_once_without_an_idempotency_record(
    dynamodb: Any, marks: DynamoRouteMarks, clock: Clock
) -> None:
    centra, queues = FakeCentra({SHIPPED.number: SHIPPED}), RecordingQueues()
    services = _services(centra, queues, marks)
    consumer = SqsConsumer(
        message_model=IngestEvent,
        effect=lambda event: route_ingest_event(services, event),
        dead_letters=mock.Mock(),
        persistence=None,  # as the router is wired: the route mark is what deduplicates
        metrics=bounded_metrics(namespace="Test", service="router"),
        logger=Logger(service="router"),
    )
    body = _report("events", clock.now - 2).model_dump_json()

    with mock.patch("engage_bridge.router.count"):
        answers = [consumer(sqs_event([body]), lambda_context()) for _ in range(2)]  # SQS delivered it twice

    assert [answer["batchItemFailures"] for answer in answers] == [[], []]
    assert centra.reads == 1 and len(queues.sent) == len(set(queues.business_keys()))
    stored = dynamodb.scan(TableName="state")["Items"]
    assert [item["pk"]["S"] for item in stored] == ["route#shipment#3101"]
