"""The events Lambda builds for its triggers: SQS batches, EventBridge schedules, HTTP API (payload 2.0)."""

import base64
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

ACCOUNT = "123456789012"
_TEXT_TYPES = ("application/json", "text/", "application/xml", "application/javascript")


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of an SQS event, from a ``ReceiveMessage`` message (attribute names as Lambda spells them)."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []),
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def scheduled_event(rule_arn: str, region: str, now: datetime | None = None) -> dict[str, Any]:
    moment = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": moment,
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


def http_api_event(
    method: str, path: str, *, query: str, headers: Mapping[str, str], body: bytes, source_ip: str
) -> dict[str, Any]:
    """An HTTP API payload 2.0 event. Like API Gateway, bodies that are not text arrive base64-encoded."""
    lowered = {name.lower(): value for name, value in headers.items()}
    content_type = lowered.get("content-type", "")
    is_text = any(content_type.startswith(kind) for kind in _TEXT_TYPES)
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": "localhost",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": not is_text,
    }
    if body:
        event["body"] = body.decode("utf-8", errors="replace") if is_text else base64.b64encode(body).decode("ascii")
    return event
