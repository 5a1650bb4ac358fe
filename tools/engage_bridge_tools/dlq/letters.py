"""A received dead-letter message and why it is there.

The handlers and the router write the why as message attributes (``engage_bridge.consumer``: ``reason``,
``detail``, ``business_key``, ``validation_errors``, ``source_message_id``). Messages SQS moved itself after
five failed receives carry none of them: their reason is ``none`` and the business key is read from the body
(every queue message serialises its ``business_key``). The poller's failure queue holds records of failed
runs instead: EventBridge's (``ERROR_CODE`` / ``ERROR_MESSAGE`` attributes) and Lambda's destination records
(``requestContext.condition``, ``responsePayload``).
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

NO_REASON = "none"
# Attributes this tool adds when it redrives a message (SQS allows ten attributes per message).
REDRIVE_COUNT = "redrive_count"
REDRIVEN_FROM = "redriven_from"
MAX_MESSAGE_ATTRIBUTES = 10


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    code: str
    field: str
    description: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field, "description": self.description}


@dataclass(frozen=True, slots=True)
class DeadLetter:
    message_id: str
    receipt_handle: str
    body: str
    message_attributes: Mapping[str, Mapping[str, Any]]  # as SQS returns them: DataType, StringValue/BinaryValue
    system_attributes: Mapping[str, str]  # SentTimestamp, ApproximateReceiveCount, ...

    @classmethod
    def from_sqs(cls, message: Mapping[str, Any]) -> "DeadLetter":
        return cls(
            message_id=message["MessageId"],
            receipt_handle=message["ReceiptHandle"],
            body=message.get("Body", ""),
            message_attributes=message.get("MessageAttributes", {}),
            system_attributes=message.get("Attributes", {}),
        )

    def attribute(self, name: str) -> str:
        value = self.message_attributes.get(name, {}).get("StringValue")
        return value if isinstance(value, str) else ""

    @property
    def reason(self) -> str:
        if reason := self.attribute("reason"):
            return reason
        if code := self.attribute("ERROR_CODE"):
            return f"eventbridge:{code}"
        if condition := _lambda_failure(self.body).get("condition"):
            return f"lambda:{condition}"
        return NO_REASON

    @property
    def detail(self) -> str:
        if detail := self.attribute("detail") or self.attribute("ERROR_MESSAGE"):
            return detail
        failure = _lambda_failure(self.body)
        return ": ".join(part for part in (failure.get("error_type", ""), failure.get("error_message", "")) if part)

    @property
    def business_key(self) -> str:
        if key := self.attribute("business_key"):
            return key
        from_body = _json_object(self.body).get("business_key")
        return from_body if isinstance(from_body, str) else ""

    @property
    def validation_errors(self) -> list[ValidationIssue]:
        raw = self.attribute("validation_errors")
        if not raw:
            return []
        try:
            issues = json.loads(raw)
        except json.JSONDecodeError:
            return [ValidationIssue("", "", raw)]  # truncated at 4000 characters by the consumer
        if not isinstance(issues, list):
            return [ValidationIssue("", "", raw)]
        return [
            ValidationIssue(str(i.get("code") or ""), str(i.get("field") or ""), str(i.get("description") or ""))
            for i in issues
            if isinstance(i, Mapping)
        ]

    @property
    def sent_at(self) -> datetime | None:
        stamp = self.system_attributes.get("SentTimestamp")
        return datetime.fromtimestamp(int(stamp) / 1000, UTC) if stamp and stamp.isdigit() else None

    @property
    def receive_count(self) -> int:
        count = self.system_attributes.get("ApproximateReceiveCount", "")
        return int(count) if count.isdigit() else 0

    @property
    def redrive_count(self) -> int:
        count = self.message_attributes.get(REDRIVE_COUNT, {}).get("StringValue", "")
        return int(count) if isinstance(count, str) and count.isdigit() else 0

    def redriven_attributes(self, from_queue: str) -> dict[str, dict[str, Any]]:
        """Its message attributes as ``SendMessage`` takes them, plus the redrive count and origin if they fit."""
        attributes = {name: _sendable(value) for name, value in self.message_attributes.items()}
        marks = {
            REDRIVE_COUNT: {"DataType": "Number", "StringValue": str(self.redrive_count + 1)},
            REDRIVEN_FROM: {"DataType": "String", "StringValue": from_queue},
        }
        if len(attributes.keys() | marks.keys()) <= MAX_MESSAGE_ATTRIBUTES:
            attributes.update(marks)
        return attributes


@dataclass(frozen=True, slots=True)
class Selection:
    """Which messages a redrive or purge takes: those matching every filter given (no filter: all)."""

    reasons: frozenset[str] = frozenset()
    message_ids: frozenset[str] = frozenset()

    def __contains__(self, letter: DeadLetter) -> bool:
        return (not self.reasons or letter.reason in self.reasons) and (
            not self.message_ids or letter.message_id in self.message_ids
        )

    @property
    def everything(self) -> bool:
        return not self.reasons and not self.message_ids


def _sendable(value: Mapping[str, Any]) -> dict[str, Any]:
    # ReceiveMessage also returns empty list fields SendMessage refuses; keep the type and the one value.
    return {key: value[key] for key in ("DataType", "StringValue", "BinaryValue") if key in value}


def _json_object(body: str) -> Mapping[str, Any]:
    try:
        parsed = json.loads(body)
    except (json.JSONDecodeError, RecursionError):
        return {}
    return parsed if isinstance(parsed, Mapping) else {}


def _lambda_failure(body: str) -> dict[str, str]:
    """A Lambda on-failure destination record's condition and error, or nothing for any other body."""
    record = _json_object(body)
    context = record.get("requestContext")
    if not isinstance(context, Mapping) or not isinstance(context.get("condition"), str):
        return {}
    response = record.get("responsePayload")
    response = response if isinstance(response, Mapping) else {}
    return {
        "condition": context["condition"],
        "error_type": str(response.get("errorType") or ""),
        "error_message": str(response.get("errorMessage") or ""),
    }
