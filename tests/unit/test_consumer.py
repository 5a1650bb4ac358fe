"""The shared SQS loop: partial batches, business-key idempotency, permanent failures to the DLQ."""

from collections.abc import Iterator, Mapping

import boto3
import pytest
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from moto import mock_aws
from pydantic import BaseModel, computed_field

from engage_bridge.consumer import BatchFailedUnexpectedly, PermanentFailure, SqsConsumer
from engage_bridge.dead_letter_marks import DynamoDeadLetterMarks
from engage_bridge.engage.outcomes import EngageRetryableError, EngageValidationError, ValidationIssue
from engage_bridge.errors import ContactCreationInProgress, MappingError
from engage_bridge.outcome import Outcome
from engage_bridge.retry_cadence import SqsRetryCadence, retry_delay
from tests.aws import create_state_table
from tests.consumer_support import flushing_consumer, idempotency_store
from tests.lambda_support import emitted_metrics, lambda_context, sqs_event


class Greeting(BaseModel):
    order_number: int
    status: str
    email: str = "anna@example.com"
    behaviour: str = "ok"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def business_key(self) -> str:
        return f"{self.order_number}:{self.status}"

    @property
    def correlation_id(self) -> str:
        return str(self.order_number)


class RecordingSink:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Mapping[str, str]]] = []

    def send(self, body: str, attributes: Mapping[str, str]) -> None:
        self.sent.append((body, dict(attributes)))


class Effect:
    """Does what the message's ``behaviour`` says, and counts calls per business key."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, message: Greeting) -> Outcome:
        self.calls.append(message.business_key)
        match message.behaviour:
            case "retryable":
                raise EngageRetryableError("POST", "/api/v2/orders", 503, None, maybe_applied=False)
            case "invalid":
                issue = ValidationIssue("InvalidOrderStatus", "OrderStatus", "not a valid status")
                raise EngageValidationError(
                    "POST", "/api/v2/orders", 422, None, issues=(issue,), message="Order is not valid"
                )
            case "unmappable":
                raise MappingError("order", str(message.order_number), "lines[0].productSize.SKU", "missing")
            case "not_member":
                return Outcome("skipped", "not_a_member")
            case "refused":
                raise PermanentFailure("contact_type_missing", "the tenant has no contact type 'member'")
            case "bug":
                raise RuntimeError("boom")
        return Outcome("sent", "order_confirmation")


@pytest.fixture
def persistence() -> Iterator[DynamoDBPersistenceLayer]:
    with mock_aws():
        client = boto3.client("dynamodb")
        create_state_table(client)
        yield idempotency_store(client)


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def effect() -> Effect:
    return Effect()


@pytest.fixture
def consumer(persistence: DynamoDBPersistenceLayer, sink: RecordingSink, effect: Effect) -> SqsConsumer[Greeting]:
    return flushing_consumer(Greeting, effect, sink, persistence)


def body(order_number: int, status: str = "created", behaviour: str = "ok") -> str:
    return Greeting(order_number=order_number, status=status, behaviour=behaviour).model_dump_json()


def test_a_good_batch_reports_no_failures(consumer: SqsConsumer[Greeting], effect: Effect) -> None:
    response = consumer(sqs_event([body(1), body(2)]), lambda_context())

    assert response == {"batchItemFailures": []}
    assert effect.calls == ["1:created", "2:created"]


def test_the_same_business_key_twice_has_one_effect(
    consumer: SqsConsumer[Greeting], effect: Effect, capsys: pytest.CaptureFixture[str]
) -> None:
    consumer(sqs_event([body(1), body(1)]), lambda_context())
    consumer(sqs_event([body(1)]), lambda_context())

    assert effect.calls == ["1:created"]
    metrics = emitted_metrics(capsys.readouterr().out)
    assert [dims["reason"] for name, dims in metrics if name == "Skipped"] == ["duplicate", "duplicate"]


def test_only_the_failing_record_is_reported(consumer: SqsConsumer[Greeting], sink: RecordingSink) -> None:
    event = sqs_event([body(1), body(2, behaviour="retryable"), body(3)])

    response = consumer(event, lambda_context())

    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert sink.sent == []


def test_a_retried_record_succeeds_on_redelivery(consumer: SqsConsumer[Greeting], effect: Effect) -> None:
    first = consumer(sqs_event([body(7, behaviour="retryable"), body(8)]), lambda_context())

    redelivered = consumer(sqs_event([body(7)]), lambda_context())

    assert first == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert redelivered == {"batchItemFailures": []}
    assert effect.calls == ["7:created", "8:created", "7:created"]


def test_a_batch_where_every_record_is_retried_later_is_not_a_function_error(consumer: SqsConsumer[Greeting]) -> None:
    response = consumer(sqs_event([body(7, behaviour="retryable")]), lambda_context())

    assert response == {"batchItemFailures": [{"itemIdentifier": "m0"}]}


def test_a_batch_where_every_record_fails_unexpectedly_raises_so_the_function_error_alarm_sees_it(
    consumer: SqsConsumer[Greeting],
) -> None:
    with pytest.raises(BatchFailedUnexpectedly):
        consumer(sqs_event([body(7, behaviour="bug"), body(8, behaviour="retryable")]), lambda_context())


def test_a_validation_error_goes_to_the_dlq_with_engages_reasons(
    consumer: SqsConsumer[Greeting], sink: RecordingSink
) -> None:
    rejected = body(4, behaviour="invalid")

    response = consumer(sqs_event([rejected, body(5)]), lambda_context())

    assert response == {"batchItemFailures": []}  # removed from the source queue: no pointless retries
    ((dead_body, attributes),) = sink.sent
    assert dead_body == rejected
    assert attributes["reason"] == "engage_validation"
    assert attributes["business_key"] == "4:created"
    assert attributes["source_message_id"] == "m0"
    assert '"code": "InvalidOrderStatus"' in attributes["validation_errors"]


def test_a_dead_lettered_message_runs_again_when_redriven(
    consumer: SqsConsumer[Greeting], sink: RecordingSink, effect: Effect
) -> None:
    consumer(sqs_event([body(4, behaviour="invalid")]), lambda_context())

    consumer(sqs_event([body(4)]), lambda_context())  # after the tenant was fixed

    assert effect.calls == ["4:created", "4:created"]


@pytest.mark.parametrize(
    ("behaviour", "reason"), [("unmappable", "mapping_error"), ("refused", "contact_type_missing")]
)
def test_permanent_failures_are_dead_lettered_with_their_reason(
    consumer: SqsConsumer[Greeting], sink: RecordingSink, behaviour: str, reason: str
) -> None:
    consumer(sqs_event([body(8, behaviour=behaviour)]), lambda_context())

    ((_, attributes),) = sink.sent
    assert attributes["reason"] == reason
    assert attributes["detail"]


def test_an_unparseable_body_is_dead_lettered_without_echoing_it(
    consumer: SqsConsumer[Greeting], sink: RecordingSink
) -> None:
    response = consumer(
        sqs_event(['{"order_number": "x", "status": "created", "email": "anna@example.com"}']), lambda_context()
    )

    assert response == {"batchItemFailures": []}
    ((_, attributes),) = sink.sent
    assert attributes["reason"] == "invalid_message"
    assert "order_number" in attributes["detail"]
    assert "anna@example.com" not in attributes["detail"]


def test_an_unexpected_exception_is_retried_not_dead_lettered(
    consumer: SqsConsumer[Greeting], sink: RecordingSink
) -> None:
    response = consumer(sqs_event([body(9, behaviour="bug"), body(10)]), lambda_context())

    assert response == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert sink.sent == []


def test_a_failing_dlq_send_keeps_the_record_in_the_source_queue(consumer: SqsConsumer[Greeting]) -> None:
    class BrokenSink:
        def send(self, body: str, attributes: Mapping[str, str]) -> None:
            raise ConnectionError("SQS unreachable")

    consumer._dead_letters = BrokenSink()

    response = consumer(sqs_event([body(11, behaviour="invalid"), body(12)]), lambda_context())

    assert response == {"batchItemFailures": [{"itemIdentifier": "m0"}]}


def test_every_record_is_counted_with_its_reason(
    consumer: SqsConsumer[Greeting], capsys: pytest.CaptureFixture[str]
) -> None:
    event = sqs_event(
        [body(1), body(2, behaviour="not_member"), body(3, behaviour="invalid"), body(4, behaviour="retryable")]
    )

    consumer(event, lambda_context())

    metrics = {(name, dims["reason"]) for name, dims in emitted_metrics(capsys.readouterr().out)}
    assert metrics == {
        ("Sent", "order_confirmation"),
        ("Skipped", "not_a_member"),
        ("DeadLettered", "engage_validation"),
        ("Retried", "EngageRetryableError"),
    }


class RecordingRetryLater:
    def __init__(self, fails: bool = False) -> None:
        self.postponed: list[tuple[str, int]] = []
        self.own_work: list[bool] = []
        self._fails = fails

    def postpone(self, receipt_handle: str, receive_count: int, *, own_work: bool = False) -> int:
        if self._fails:
            raise RuntimeError("AccessDenied")
        self.postponed.append((receipt_handle, receive_count))
        self.own_work.append(own_work)
        return retry_delay(receive_count, own_work=own_work)


def _with_retry_later(
    persistence: DynamoDBPersistenceLayer, sink: RecordingSink, effect: Effect, retry_later: RecordingRetryLater
) -> SqsConsumer[Greeting]:
    return flushing_consumer(Greeting, effect, sink, persistence, retry_later=retry_later)


def test_a_retryable_failure_is_hidden_for_its_cadence_step_by_its_receive_count(
    persistence: DynamoDBPersistenceLayer, sink: RecordingSink, effect: Effect
) -> None:
    retry_later = RecordingRetryLater()
    event = sqs_event([body(1, behaviour="retryable"), body(2), body(3, behaviour="invalid")])
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = "3"

    response = _with_retry_later(persistence, sink, effect, retry_later)(event, lambda_context())

    assert response == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert retry_later.postponed == [("handle-0", 3)]  # only the retryable record; the permanent one is dead-lettered


def test_a_record_that_cannot_be_postponed_is_still_reported_failed(
    persistence: DynamoDBPersistenceLayer, sink: RecordingSink, effect: Effect
) -> None:
    consumer = _with_retry_later(persistence, sink, effect, RecordingRetryLater(fails=True))

    response = consumer(sqs_event([body(1, behaviour="retryable"), body(2)]), lambda_context())

    assert response == {"batchItemFailures": [{"itemIdentifier": "m0"}]}


@pytest.mark.parametrize(("receive_count", "seconds"), [(0, 10), (1, 10), (2, 30), (3, 60), (4, 300), (7, 300)])
def test_voyados_cadence_by_receive_count(receive_count: int, seconds: int) -> None:
    assert retry_delay(receive_count) == seconds


@pytest.mark.parametrize(("receive_count", "seconds"), [(1, 2), (2, 30), (3, 60), (4, 300)])
def test_a_wait_on_the_bridges_own_work_is_retried_soon_first_then_on_the_cadence(
    receive_count: int, seconds: int
) -> None:
    assert retry_delay(receive_count, own_work=True) == seconds


class ContactBeingCreated(Effect):
    def __call__(self, message: Greeting) -> Outcome:
        self.calls.append(message.business_key)
        raise ContactCreationInProgress("member")


def test_the_consumer_tells_a_wait_on_its_own_work_from_engage_failing(
    persistence: DynamoDBPersistenceLayer, sink: RecordingSink
) -> None:
    engage_failing, own_work = RecordingRetryLater(), RecordingRetryLater()

    _with_retry_later(persistence, sink, Effect(), engage_failing)(
        sqs_event([body(1, behaviour="retryable")]), lambda_context()
    )
    _with_retry_later(persistence, sink, ContactBeingCreated(), own_work)(sqs_event([body(2)]), lambda_context())

    assert (engage_failing.own_work, own_work.own_work) == ([False], [True])


def test_the_cadence_hides_the_record_in_its_queue() -> None:
    with mock_aws():
        sqs = boto3.client("sqs")
        queue = sqs.create_queue(QueueName="work")["QueueUrl"]
        sqs.send_message(QueueUrl=queue, MessageBody="x")
        (message,) = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=0)["Messages"]

        delay = SqsRetryCadence(sqs, queue).postpone(message["ReceiptHandle"], 2)

        assert delay == 30
        assert sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages", []) == []


# A record failing on its queue's last receive is dead-lettered by the consumer, with its reason and its mark. Left
# to SQS, it would reach the DLQ without a reason, and an e-mail waiting for it would wait out its own receives
# (about 22 minutes) before following it there.
LAST = 8


@pytest.fixture
def marks(persistence: DynamoDBPersistenceLayer) -> DynamoDeadLetterMarks:
    return DynamoDeadLetterMarks(boto3.client("dynamodb"), "state")  # the table the persistence fixture made


@pytest.fixture
def last_receive_consumer(
    persistence: DynamoDBPersistenceLayer, marks: DynamoDeadLetterMarks, sink: RecordingSink, effect: Effect
) -> SqsConsumer[Greeting]:
    return flushing_consumer(Greeting, effect, sink, persistence, dead_letter_marks=marks, max_receive_count=LAST)


def received(behaviour: str, receive_count: int) -> dict[str, object]:
    event = sqs_event([body(1, behaviour=behaviour)])
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = str(receive_count)
    return event


def test_a_retryable_failure_before_the_last_receive_is_retried(
    last_receive_consumer: SqsConsumer[Greeting], sink: RecordingSink
) -> None:
    response = last_receive_consumer(received("retryable", LAST - 1), lambda_context())

    assert response == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert sink.sent == []


def test_a_retryable_failure_on_the_last_receive_is_dead_lettered_with_its_reason_and_mark(
    last_receive_consumer: SqsConsumer[Greeting], sink: RecordingSink, marks: DynamoDeadLetterMarks
) -> None:
    response = last_receive_consumer(received("retryable", LAST), lambda_context())

    assert response == {"batchItemFailures": []}  # out of the source queue: the consumer moved it
    ((_, attributes),) = sink.sent
    assert attributes["reason"] == "retries_exhausted"
    assert attributes["detail"].startswith("EngageRetryableError")
    assert marks.redrive_count("1:created") == 0  # what a successor waiting for it looks for


def test_an_unexpected_failure_on_the_last_receive_is_dead_lettered_not_raised(
    last_receive_consumer: SqsConsumer[Greeting], sink: RecordingSink
) -> None:
    response = last_receive_consumer(received("bug", LAST), lambda_context())

    assert response == {"batchItemFailures": []}
    ((_, attributes),) = sink.sent
    assert attributes["reason"] == "unexpected_failure"
    assert attributes["detail"] == "RuntimeError: boom"


def test_an_unexpected_failure_before_the_last_receive_still_fails_the_invocation(
    last_receive_consumer: SqsConsumer[Greeting], sink: RecordingSink
) -> None:
    with pytest.raises(Exception, match="failed"):
        last_receive_consumer(received("bug", 1), lambda_context())  # the function error alarm must see a bug

    assert sink.sent == []
