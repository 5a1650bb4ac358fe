"""The webhook receiver: what Centra signed is verified on raw bytes; every refusal enqueues nothing."""

import base64
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from hypothesis import given
from hypothesis import strategies as st
from moto import mock_aws

from engage_bridge.centra.webhook_signature import signature_header
from engage_bridge.ingress.queue import SqsIngestQueue
from engage_bridge.ingress.webhook import MAX_BODY_BYTES, MAX_EVENTS_PER_CALL, receive_webhook
from engage_bridge.ingress.webhook_entry import webhook_handler
from engage_bridge.messages import IngestEvent
from engage_bridge.route_marks import WEBHOOK_DELAY_SECONDS
from tests.lambda_support import emitted_metrics, lambda_context

SECRET = "endpoint-secret"
NOW = 1_795_000_000


class RecordingQueue:
    def __init__(self, fail: bool = False) -> None:
        self.events: list[IngestEvent] = []
        self.fail = fail

    def put(self, events: Sequence[IngestEvent]) -> list[bool]:
        if self.fail:
            return [False] * len(events)
        self.events.extend(events)
        return [True] * len(events)


def form_body(events: list[dict[str, Any]]) -> bytes:
    return ("payload=" + quote(json.dumps({"events": events}), safe="")).encode()


EVENTS = [
    {"type": "order", "action": "insert", "date": "2026-11-23 10:00:00.123456", "id": 2348981},
    {"type": "shipment", "action": "good_to_go", "date": "2026-11-23 10:05:00.000001", "id": 3101},
    {"type": "account", "action": "update", "date": "2026-11-23 10:06:00.000001", "id": 12},
]


def receive(body: bytes, header: str | None, queue: RecordingQueue, now: float = NOW) -> Any:
    return receive_webhook(body, header, [SECRET], now=now, tolerance_seconds=300, queue=queue)


def test_centras_documented_example_passes_the_signature_check() -> None:
    body = b"payload=%7B%22x%22%3A%22test%22%7D"
    header = "t=12345678,v1=0b9cd84f5d583e5e1aadfb9f160aa8080b51d5b85ff85808d6b75bdac356c549"
    queue = RecordingQueue()

    answer = receive_webhook(body, header, ["test123"], now=12345678 + 5, tolerance_seconds=300, queue=queue)

    # Signed correctly, but {"x": "test"} is not an events payload: refused as malformed, after verification.
    assert (answer.status, answer.reason) == (400, "malformed_body")
    assert queue.events == []


def test_a_signed_notification_becomes_one_ingest_message_per_event() -> None:
    body = form_body(EVENTS)
    queue = RecordingQueue()

    answer = receive(body, signature_header(SECRET, NOW, body), queue)

    assert (answer.status, answer.queued, answer.ignored) == (200, 2, {"account": 1})
    assert [(e.source, e.object_type, e.object_id, e.change) for e in queue.events] == [
        ("webhook", "order", 2348981, "insert"),
        ("webhook", "shipment", 3101, "good_to_go"),
    ]


def test_a_call_with_an_unknown_event_type_queues_the_known_events_and_counts_the_rest() -> None:
    body = form_body([*EVENTS, {"type": "DisplayItems", "action": "update", "id": "9"}])
    queue = RecordingQueue()

    answer = receive(body, signature_header(SECRET, NOW, body), queue)

    assert (answer.status, answer.queued) == (200, 2)
    assert answer.ignored == {"account": 1, "unknown_type": 1}


def test_an_id_beyond_centras_integer_range_is_refused_at_the_edge() -> None:
    body = form_body([{**EVENTS[0], "id": 2**31}])
    queue = RecordingQueue()

    answer = receive(body, signature_header(SECRET, NOW, body), queue)

    assert (answer.status, answer.reason, queue.events) == (400, "malformed_body", [])


def test_more_events_than_the_plugins_maximum_are_refused_whole() -> None:
    body = form_body([{**EVENTS[0], "id": n} for n in range(MAX_EVENTS_PER_CALL + 1)])
    queue = RecordingQueue()

    answer = receive(body, signature_header(SECRET, NOW, body), queue)

    assert (answer.status, answer.reason, queue.events) == (413, "too_many_events", [])


class CountingSqs:
    """SQS as the receiver sees it: counts the requests a call costs."""

    def __init__(self) -> None:
        self.requests = 0

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        self.requests += 1
        assert len(Entries) <= 10
        return {"Successful": [{"Id": entry["Id"]} for entry in Entries], "Failed": []}


def test_a_call_of_the_documented_maximum_costs_ten_queue_requests_and_nothing_else() -> None:
    """Centra waits 5 s: the work for 100 events is one HMAC, one parse and ten SQS batches, no Centra read."""
    body = form_body([{**EVENTS[n % 2], "id": n} for n in range(MAX_EVENTS_PER_CALL)])
    sqs = CountingSqs()

    answer = receive_webhook(
        body,
        signature_header(SECRET, NOW, body),
        [SECRET],
        now=NOW,
        tolerance_seconds=300,
        queue=SqsIngestQueue(sqs, "https://sqs.example/ingest"),
    )

    assert (answer.status, answer.queued) == (200, MAX_EVENTS_PER_CALL)
    assert sqs.requests == MAX_EVENTS_PER_CALL // 10


@pytest.mark.parametrize(
    ("header", "now", "reason"),
    [
        (None, NOW, "signature_missing_header"),
        ("t=abc,v1=zz", NOW, "signature_malformed_header"),
        ("signed-with-another-secret", NOW, "signature_bad_signature"),
        ("signed-now", NOW + 301, "signature_stale_timestamp"),
        ("signed-now", NOW - 301, "signature_future_timestamp"),
    ],
)
def test_a_bad_or_stale_signature_is_refused_with_401_and_nothing_queued(
    header: str | None, now: float, reason: str
) -> None:
    body = form_body(EVENTS)
    if header == "signed-with-another-secret":
        header = signature_header("another-secret", NOW, body)
    elif header == "signed-now":
        header = signature_header(SECRET, NOW, body)
    queue = RecordingQueue()

    answer = receive(body, header, queue, now=now)

    assert (answer.status, answer.reason) == (401, reason)
    assert queue.events == []


def test_an_oversized_body_is_refused_with_413_before_anything_else() -> None:
    body = b"payload=" + b"x" * MAX_BODY_BYTES
    queue = RecordingQueue()

    answer = receive(body, signature_header(SECRET, NOW, body), queue)

    assert (answer.status, answer.reason) == (413, "too_large")
    assert queue.events == []


@pytest.mark.parametrize("body", [b"payload=%7Bnot-json", b"nothing=here", b'payload={"events": [{"id": "x"}]}'])
def test_a_malformed_body_is_refused_with_400(body: bytes) -> None:
    queue = RecordingQueue()

    answer = receive(body, signature_header(SECRET, NOW, body), queue)

    assert answer.status == 400
    assert queue.events == []


def test_a_failed_enqueue_asks_centra_to_send_again() -> None:
    body = form_body(EVENTS)

    answer = receive(body, signature_header(SECRET, NOW, body), RecordingQueue(fail=True))

    assert answer.status == 503


@given(
    tamper=st.sampled_from(["body", "timestamp", "secret"]),
    extra=st.binary(min_size=1, max_size=20),
    shift=st.integers(min_value=1, max_value=10_000),
)
def test_any_change_to_body_timestamp_or_secret_is_refused(tamper: str, extra: bytes, shift: int) -> None:
    body = form_body(EVENTS)
    header = signature_header(SECRET, NOW, body)
    if tamper == "body":
        body = body + extra
    elif tamper == "timestamp":
        header = header.replace(f"t={NOW}", f"t={NOW + shift}")
    else:
        header = signature_header(SECRET + extra.hex(), NOW, body)
    queue = RecordingQueue()

    answer = receive(body, header, queue, now=NOW + (shift if tamper == "timestamp" else 0))

    assert answer.status == 401
    assert queue.events == []


# --- the Lambda entry, against moto ---------------------------------------------------------------------


@pytest.fixture
def aws() -> Iterator[dict[str, str]]:
    with mock_aws():
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        boto3.client("secretsmanager").create_secret(
            Name="centra/webhook", SecretString=json.dumps({"current": "new-secret", "previous": SECRET})
        )
        queue_url = boto3.client("sqs").create_queue(QueueName="ingest")["QueueUrl"]
        yield {
            "POWERTOOLS_SERVICE_NAME": "centra-webhook",
            "POWERTOOLS_METRICS_NAMESPACE": "CentraEngageBridgeTest",
            "ENVIRONMENT_NAME": "test",
            "INGEST_QUEUE_URL": queue_url,
            "CENTRA_WEBHOOK_SECRET": "centra/webhook",
        }


def http_event(body: bytes, header: str, *, method: str = "POST", path: str = "/centra/webhook") -> dict[str, Any]:
    """A function URL request (payload 2.0, lower-case headers) as Lambda delivers a form post: base64 body."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "headers": {"content-type": "application/x-www-form-urlencoded", "x-centra-signature": header},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
        "requestContext": {"http": {"method": method, "path": path}},
    }


def test_the_lambda_accepts_either_secret_during_rotation_and_queues_the_events(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.time", lambda: NOW)
    handler = webhook_handler(aws)
    body = form_body(EVENTS)

    response = handler(http_event(body, signature_header(SECRET, NOW, body)), lambda_context())

    assert response["statusCode"] == 200
    sqs = boto3.client("sqs")
    # Held back, so the read this webhook starts covers the same change's event (route_marks).
    assert "Messages" not in sqs.receive_message(QueueUrl=aws["INGEST_QUEUE_URL"], MaxNumberOfMessages=10)
    queued = sqs.receive_message(
        QueueUrl=aws["INGEST_QUEUE_URL"], MaxNumberOfMessages=10, WaitTimeSeconds=WEBHOOK_DELAY_SECONDS + 1
    )
    bodies = sorted(json.loads(m["Body"])["object_id"] for m in queued["Messages"])
    assert bodies == [3101, 2348981]
    changed_by = {json.loads(m["Body"])["changed_by"] for m in queued["Messages"]}
    assert changed_by == {datetime.fromtimestamp(NOW, UTC).isoformat().replace("+00:00", "Z")}


def test_the_lambda_refuses_a_forgery_and_queues_nothing(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.time", lambda: NOW)
    handler = webhook_handler(aws)
    body = form_body(EVENTS)

    response = handler(http_event(body, signature_header("guess", NOW, body)), lambda_context())

    assert response["statusCode"] == 401
    assert "Messages" not in boto3.client("sqs").receive_message(QueueUrl=aws["INGEST_QUEUE_URL"])


def test_every_refusal_counts_towards_the_refused_webhooks_alarm(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("time.time", lambda: NOW)
    handler = webhook_handler(aws)
    body = form_body(EVENTS)
    capsys.readouterr()

    handler(http_event(body, signature_header("guess", NOW, body)), lambda_context())
    handler(http_event(b"not a form", signature_header(SECRET, NOW, b"not a form")), lambda_context())
    handler(http_event(body, signature_header(SECRET, NOW, body)), lambda_context())

    metrics = emitted_metrics(capsys.readouterr().out)
    # The alarm's metric: the stack's one dimension only, so one alarm covers every reason.
    assert metrics.count(("WebhookRefusedTotal", {"environment": "test"})) == 2
    refused = sorted(dims["reason"] for name, dims in metrics if name == "WebhookRefused")
    assert refused == ["malformed_body", "signature_bad_signature"]


@pytest.mark.parametrize(("method", "path"), [("GET", "/centra/webhook"), ("POST", "/"), ("POST", "/centra/webhook/")])
def test_the_function_url_answers_404_off_its_route_and_no_refusal_is_counted(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], method: str, path: str
) -> None:
    # A function URL passes every method and path on its host to the function, as the HTTP API did not.
    monkeypatch.setattr("time.time", lambda: NOW)
    handler = webhook_handler(aws)
    body = form_body(EVENTS)
    capsys.readouterr()

    event = http_event(body, signature_header(SECRET, NOW, body), method=method, path=path)

    response = handler(event, lambda_context())

    assert (response["statusCode"], json.loads(response["body"])) == (404, {"message": "Not Found"})
    queued = boto3.client("sqs").get_queue_attributes(QueueUrl=aws["INGEST_QUEUE_URL"], AttributeNames=["All"])
    assert queued["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "0"
    assert queued["Attributes"]["ApproximateNumberOfMessages"] == "0"
    assert not [name for name, _ in emitted_metrics(capsys.readouterr().out) if name.startswith("WebhookRefused")]


def test_the_sample_event_is_a_valid_signed_webhook() -> None:
    event = json.loads((Path(__file__).resolve().parents[3] / "events/centra_webhook.json").read_text())
    body = base64.b64decode(event["body"])
    header = event["headers"]["x-centra-signature"]
    queue = RecordingQueue()
    signed_at = int(header.split(",")[0].removeprefix("t="))

    answer = receive_webhook(
        body, header, ["sample-endpoint-secret"], now=signed_at + 1, tolerance_seconds=300, queue=queue
    )

    assert (answer.status, answer.queued) == (200, 2)
