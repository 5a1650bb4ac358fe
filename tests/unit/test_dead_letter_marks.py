"""One dead letter per failed effect, however many copies of it the router enqueued (webhook and poller)."""

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from engage_bridge.consumer import SqsConsumer
from engage_bridge.dead_letter_marks import DLQ_RETENTION_SECONDS, DynamoDeadLetterMarks
from engage_bridge.errors import PredecessorPending
from engage_bridge.outcome import Outcome
from engage_bridge.state import Effect as LedgerEffect
from tests.aws import Clock
from tests.consumer_support import flushing_consumer, idempotency_store
from tests.lambda_support import emitted_metrics, lambda_context, sqs_event
from tests.unit.test_consumer import Effect, Greeting, RecordingSink, body


@pytest.fixture
def marks(dynamodb: Any, clock: Clock) -> DynamoDeadLetterMarks:
    return DynamoDeadLetterMarks(dynamodb, "state", clock)


def _consumer(
    dynamodb: Any, marks: DynamoDeadLetterMarks, sink: Any, effect: Callable[[Greeting], Outcome] | None = None
) -> SqsConsumer[Greeting]:
    persistence = idempotency_store(dynamodb, "idempotency#t")
    return flushing_consumer(Greeting, effect or Effect(), sink, persistence, dead_letter_marks=marks)


def _redriven(event: dict[str, Any], count: int) -> dict[str, Any]:
    for record in event["Records"]:
        record["messageAttributes"] = {"redrive_count": {"stringValue": str(count), "dataType": "Number"}}
    return event


def _with_ids(event: dict[str, Any], *ids: str) -> dict[str, Any]:
    for record, message_id in zip(event["Records"], ids, strict=True):
        record["messageId"] = message_id
    return event


def test_two_copies_of_a_failing_effect_make_one_dead_letter(
    dynamodb: Any, marks: DynamoDeadLetterMarks, capsys: pytest.CaptureFixture[str]
) -> None:
    sink = RecordingSink()
    consumer = _consumer(dynamodb, marks, sink)

    webhook_copy = _with_ids(sqs_event([body(7, behaviour="invalid")]), "from-webhook")
    poller_copy = _with_ids(sqs_event([body(7, behaviour="invalid")]), "from-poller")
    assert consumer(webhook_copy, lambda_context()) == {"batchItemFailures": []}
    assert consumer(poller_copy, lambda_context()) == {"batchItemFailures": []}  # removed, not retried

    ((_, attributes),) = sink.sent
    assert attributes["source_message_id"] == "from-webhook"
    metrics = emitted_metrics(capsys.readouterr().out)
    assert ("DeadLettered", {"reason": "engage_validation"}) in [(n, {"reason": d["reason"]}) for n, d in metrics]
    assert ("Skipped", "already_dead_lettered") in [(n, d.get("reason")) for n, d in metrics]


def test_different_effects_are_each_dead_lettered(dynamodb: Any, marks: DynamoDeadLetterMarks) -> None:
    sink = RecordingSink()
    consumer = _consumer(dynamodb, marks, sink)

    consumer(sqs_event([body(7, "created", "invalid"), body(7, "shipped", "invalid")]), lambda_context())

    assert len(sink.sent) == 2


def test_a_copy_whose_dlq_send_failed_gets_through_on_its_next_delivery(
    dynamodb: Any, marks: DynamoDeadLetterMarks
) -> None:
    class FlakySink(RecordingSink):
        def __init__(self) -> None:
            super().__init__()
            self.failures = 1

        def send(self, body: str, attributes: Mapping[str, str]) -> None:
            if self.failures:
                self.failures -= 1
                raise ConnectionError("SQS unreachable")
            super().send(body, attributes)

    sink = FlakySink()
    consumer = _consumer(dynamodb, marks, sink)
    event = _with_ids(sqs_event([body(7, behaviour="invalid"), body(8)]), "only-copy", "other")

    assert consumer(event, lambda_context()) == {"batchItemFailures": [{"itemIdentifier": "only-copy"}]}
    assert consumer(event, lambda_context()) == {"batchItemFailures": []}
    assert len(sink.sent) == 1


def test_a_released_mark_lets_the_other_copy_dead_letter(marks: DynamoDeadLetterMarks) -> None:
    assert marks.take("order:7:email", "first", 0)
    marks.release("order:7:email", "first")

    assert marks.take("order:7:email", "second", 0)


def test_release_leaves_another_messages_mark(marks: DynamoDeadLetterMarks) -> None:
    assert marks.take("order:7:email", "first", 0)
    marks.release("order:7:email", "second")

    assert not marks.take("order:7:email", "second", 0)


def test_a_redriven_message_that_fails_again_reaches_the_dlq(dynamodb: Any, marks: DynamoDeadLetterMarks) -> None:
    sink = RecordingSink()
    consumer = _consumer(dynamodb, marks, sink)
    consumer(_with_ids(sqs_event([body(7, behaviour="invalid")]), "original"), lambda_context())

    redriven = _redriven(_with_ids(sqs_event([body(7, behaviour="invalid")]), "redriven"), 1)
    consumer(redriven, lambda_context())
    late_copy = _with_ids(sqs_event([body(7, behaviour="invalid")]), "late-poller-copy")
    consumer(late_copy, lambda_context())

    assert [attributes["source_message_id"] for _, attributes in sink.sent] == ["original", "redriven"]


def test_a_cleared_mark_lets_the_next_failure_through(marks: DynamoDeadLetterMarks) -> None:
    assert marks.take("order:7:email", "first", 0)
    marks.clear("order:7:email")

    assert marks.take("order:7:email", "after-purge", 0)


def test_a_mark_expires_with_the_dlqs_retention(marks: DynamoDeadLetterMarks, clock: Clock) -> None:
    assert marks.take("order:7:email", "first", 0)
    clock.now += DLQ_RETENTION_SECONDS

    assert marks.take("order:7:email", "weeks-later", 0)


def test_the_same_message_delivered_again_after_its_letter_was_sent_is_dropped(
    dynamodb: Any, marks: DynamoDeadLetterMarks
) -> None:
    # The invocation died after the send (a timeout mid-batch): SQS returns the whole batch, this record included.
    sink = RecordingSink()
    consumer = _consumer(dynamodb, marks, sink)
    event = _with_ids(sqs_event([body(7, behaviour="invalid")]), "only-copy")

    assert consumer(event, lambda_context()) == {"batchItemFailures": []}
    assert consumer(event, lambda_context()) == {"batchItemFailures": []}

    assert len(sink.sent) == 1


def test_confirm_leaves_a_mark_a_redrive_took(marks: DynamoDeadLetterMarks) -> None:
    assert marks.take("order:7:email", "original", 0)
    assert marks.take("order:7:email", "redriven", 1)
    marks.confirm("order:7:email", "original")

    assert marks.take("order:7:email", "redriven", 1)  # its own send has not been confirmed yet


def _waiting_consumer(dynamodb: Any, marks: DynamoDeadLetterMarks, sink: Any) -> SqsConsumer[Greeting]:
    """A consumer whose every message is a shipping e-mail of order 7 waiting for the order's confirmation."""

    def wait(message: Greeting) -> Outcome:
        shipped = LedgerEffect("order#7", "email:shipped:shipment:1")
        raise PredecessorPending(
            shipped, tuple(LedgerEffect("order#7", f"email:created:{s}") for s in ("success", "pending", "failed"))
        )

    return _consumer(dynamodb, marks, sink, effect=wait)


def test_a_successor_whose_predecessor_is_in_the_dlq_is_dead_lettered_at_once_naming_it(
    dynamodb: Any, marks: DynamoDeadLetterMarks
) -> None:
    sink = RecordingSink()
    consumer = _waiting_consumer(dynamodb, marks, sink)
    assert marks.take("order:7:email:created:success", "confirmation", 0)  # the confirmation was dead-lettered
    marks.confirm("order:7:email:created:success", "confirmation")

    assert consumer(sqs_event([body(8, "shipped")]), lambda_context()) == {"batchItemFailures": []}

    [(_, attributes)] = sink.sent
    assert attributes["reason"] == "predecessor_dead_lettered"
    assert "order:7:email:created:success is in a DLQ" in attributes["detail"]


def test_a_successor_waits_while_its_predecessor_is_not_dead_lettered(
    dynamodb: Any, marks: DynamoDeadLetterMarks
) -> None:
    sink = RecordingSink()
    consumer = _waiting_consumer(dynamodb, marks, sink)

    waiting = consumer(sqs_event([body(8, "shipped"), body(9, "shipped")]), lambda_context())

    assert len(waiting["batchItemFailures"]) == 2  # both retried later

    assert sink.sent == []


def test_after_a_redrive_of_both_the_successor_waits_for_its_predecessor_unless_that_fails_again(
    dynamodb: Any, marks: DynamoDeadLetterMarks
) -> None:
    sink = RecordingSink()
    consumer = _waiting_consumer(dynamodb, marks, sink)
    assert marks.take("order:7:email:created:success", "confirmation", 0)
    redriven = _redriven(sqs_event([body(8, "shipped")]), 1)

    # The predecessor's mark is from the first round (a redrive not yet cleared it): the successor waits.
    assert len(consumer(redriven, lambda_context())["batchItemFailures"]) == 1
    # The redriven predecessor failed again: its mark is of this round, so the successor goes to the DLQ again.
    assert marks.take("order:7:email:created:success", "confirmation-redriven", 1)
    again = consumer(_redriven(sqs_event([body(8, "shipped")]), 1), lambda_context())

    assert again == {"batchItemFailures": []}
    assert [attributes["reason"] for _, attributes in sink.sent] == ["predecessor_dead_lettered"]


def test_redrive_count_reads_a_live_mark_only(marks: DynamoDeadLetterMarks, clock: Clock) -> None:
    assert marks.redrive_count("order:7:email") is None
    assert marks.take("order:7:email", "first", 2)

    assert marks.redrive_count("order:7:email") == 2
    clock.now += DLQ_RETENTION_SECONDS + 1
    assert marks.redrive_count("order:7:email") is None
