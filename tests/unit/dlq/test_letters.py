"""Why a message is in a DLQ, read from what the consumer, SQS, EventBridge or Lambda left on it."""

import json

from engage_bridge.consumer import dead_letter_for
from engage_bridge.engage.outcomes import EngageValidationError, ValidationIssue
from engage_bridge_tools.dlq.letters import NO_REASON, REDRIVE_COUNT, REDRIVEN_FROM, DeadLetter, Selection


def letter(body: str = "{}", attributes: dict[str, str] | None = None, message_id: str = "m1") -> DeadLetter:
    return DeadLetter.from_sqs(
        {
            "MessageId": message_id,
            "ReceiptHandle": "handle",
            "Body": body,
            "MessageAttributes": {
                name: {"DataType": "String", "StringValue": value} for name, value in (attributes or {}).items()
            },
            "Attributes": {"SentTimestamp": "1795450442440", "ApproximateReceiveCount": "3"},
        }
    )


def test_the_consumers_attributes_give_reason_key_detail_and_engages_validation_errors() -> None:
    issue = ValidationIssue("InvalidOrderStatus", "status", "ORDER_SHIPPED is not a status of this tenant")
    error = EngageValidationError("POST", "/api/v2/orders", 422, None, issues=(issue,), message="invalid")
    written = dead_letter_for(error)
    assert written is not None

    read = letter(
        attributes={
            "reason": written.reason,
            "detail": written.detail,
            "validation_errors": written.validation_errors,
            "business_key": "order:7:email:shipped:shipment:3",
        }
    )

    assert read.reason == "engage_validation"
    assert read.business_key == "order:7:email:shipped:shipment:3"
    assert read.detail == written.detail
    assert [i.as_dict() for i in read.validation_errors] == [
        {"code": "InvalidOrderStatus", "field": "status", "description": "ORDER_SHIPPED is not a status of this tenant"}
    ]
    assert read.receive_count == 3
    assert read.sent_at is not None and read.sent_at.year == 2026


def test_a_message_sqs_moved_itself_has_no_reason_and_its_key_comes_from_the_body() -> None:
    read = letter(body=json.dumps({"order": {}, "business_key": "order:9:email:created:paid"}))

    assert read.reason == NO_REASON
    assert read.business_key == "order:9:email:created:paid"
    assert read.detail == ""


def test_validation_errors_cut_short_by_the_consumer_are_still_shown() -> None:
    read = letter(attributes={"reason": "engage_validation", "validation_errors": '[{"code": "Inval'})

    assert [i.description for i in read.validation_errors] == ['[{"code": "Inval']


def test_a_lambda_failure_record_names_its_condition_and_error() -> None:
    record = {
        "requestContext": {"condition": "RetriesExhausted", "functionArn": "arn:aws:lambda:::function:poller"},
        "responsePayload": {"errorType": "CentraUnauthorized", "errorMessage": "token expired"},
    }

    read = letter(body=json.dumps(record))

    assert read.reason == "lambda:RetriesExhausted"
    assert read.detail == "CentraUnauthorized: token expired"


def test_an_eventbridge_dead_letter_names_its_error_code() -> None:
    read = letter(attributes={"ERROR_CODE": "ResourceNotFoundException", "ERROR_MESSAGE": "function not found"})

    assert read.reason == "eventbridge:ResourceNotFoundException"
    assert read.detail == "function not found"


def test_redriving_keeps_every_attribute_and_counts_the_redrive() -> None:
    original = letter(attributes={"reason": "mapping_error", "business_key": "order:1:email:created:paid"})

    attributes = original.redriven_attributes("OrderStatusDLQ")

    assert attributes["reason"] == {"DataType": "String", "StringValue": "mapping_error"}
    assert attributes["business_key"]["StringValue"] == "order:1:email:created:paid"
    assert attributes[REDRIVE_COUNT] == {"DataType": "Number", "StringValue": "1"}
    assert attributes[REDRIVEN_FROM] == {"DataType": "String", "StringValue": "OrderStatusDLQ"}


def test_a_second_redrive_counts_two() -> None:
    again = DeadLetter.from_sqs(
        {
            "MessageId": "m1",
            "ReceiptHandle": "h",
            "Body": "{}",
            "MessageAttributes": {REDRIVE_COUNT: {"DataType": "Number", "StringValue": "1", "StringListValues": []}},
        }
    )

    attributes = again.redriven_attributes("OrderStatusDLQ")

    assert attributes[REDRIVE_COUNT] == {"DataType": "Number", "StringValue": "2"}  # list fields SQS refuses dropped


def test_the_redrive_marks_are_left_out_rather_than_exceed_ten_attributes() -> None:
    full = letter(attributes={f"a{i}": "x" for i in range(9)})

    attributes = full.redriven_attributes("OrderStatusDLQ")

    assert set(attributes) == {f"a{i}" for i in range(9)}


def test_a_selection_needs_every_filter_it_has() -> None:
    shipped = letter(attributes={"reason": "engage_validation"}, message_id="a")
    unmappable = letter(attributes={"reason": "mapping_error"}, message_id="b")

    assert shipped in Selection() and unmappable in Selection()
    assert shipped in Selection(reasons=frozenset({"engage_validation"}))
    assert unmappable not in Selection(reasons=frozenset({"engage_validation"}))
    assert shipped not in Selection(reasons=frozenset({"engage_validation"}), message_ids=frozenset({"b"}))
    assert unmappable in Selection(message_ids=frozenset({"b"}))
