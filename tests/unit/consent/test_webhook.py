"""The preference-webhook receiver: Svix signatures on the raw body, both header families, one take per message id."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws
from standardwebhooks import Webhook

from engage_bridge.consent.entry import engage_webhook_handler
from engage_bridge.consent.messages import PreferenceChange
from engage_bridge.consent.webhook import receive_preference_webhook
from tests.lambda_support import emitted_metrics, lambda_context

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CONTACT = "8f3c2a10-5b7e-4c1d-9e2f-1a2b3c4d5e6f"


class Ids:
    def __init__(self) -> None:
        self.taken: set[str] = set()

    def first_time(self, message_id: str) -> bool:
        new = message_id not in self.taken
        self.taken.add(message_id)
        return new

    def forget(self, message_id: str) -> None:
        self.taken.discard(message_id)


class Queue:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[PreferenceChange] = []
        self.fail = fail

    def send(self, change: PreferenceChange) -> None:
        if self.fail:
            raise RuntimeError("SQS is down")
        self.sent.append(change)


def signed(
    envelope: dict[str, object], *, message_id: str = "msg_1", prefix: str = "svix", at: datetime | None = None
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(envelope).encode()
    moment = at or datetime.now(UTC)
    headers = {
        f"{prefix}-id": message_id,
        f"{prefix}-timestamp": str(int(moment.timestamp())),
        f"{prefix}-signature": Webhook(SECRET).sign(message_id, moment, body),
    }
    return body, headers


def envelope(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "eventType": "contact.acceptsEmail.changed",
        "id": "e1",
        "isEncrypted": False,
        "payload": {"contactId": CONTACT, "acceptsEmail": False},
        "tenant": "brand",
    }
    return {**base, **changes}


@pytest.mark.parametrize("prefix", ["svix", "webhook", "Svix"])
def test_a_signed_preference_event_is_queued_with_its_contact_id_only(prefix: str) -> None:
    body, headers = signed(envelope(), prefix=prefix)
    queue = Queue()

    answer = receive_preference_webhook(body, headers, [SECRET], Ids(), queue)

    assert (answer.status, answer.reason, answer.queued) == (200, "queued", 1)
    (change,) = queue.sent
    assert (change.contact_id, change.message_id, change.source) == (CONTACT, "msg_1", "webhook")


def test_the_same_message_id_again_is_acknowledged_but_not_queued_twice() -> None:
    body, headers = signed(envelope())
    ids, queue = Ids(), Queue()

    answers = [receive_preference_webhook(body, headers, [SECRET], ids, queue) for _ in range(3)]

    assert [a.reason for a in answers] == ["queued", "duplicate", "duplicate"]
    assert [a.status for a in answers] == [200, 200, 200]
    assert len(queue.sent) == 1


def test_a_body_changed_after_signing_is_refused() -> None:
    body, headers = signed(envelope())
    tampered = body.replace(CONTACT.encode(), b"someone-else")

    answer = receive_preference_webhook(tampered, headers, [SECRET], Ids(), Queue())

    assert (answer.status, answer.reason) == (401, "bad_signature")


def test_a_replay_outside_five_minutes_is_refused() -> None:
    body, headers = signed(envelope(), at=datetime.now(UTC) - timedelta(minutes=6))

    answer = receive_preference_webhook(body, headers, [SECRET], Ids(), Queue())

    assert (answer.status, answer.reason) == (401, "timestamp_out_of_window")


def test_the_previous_secret_still_verifies_during_a_rotation() -> None:
    body, headers = signed(envelope())

    answer = receive_preference_webhook(body, headers, ["whsec_bmV3LXNlY3JldC0xMjM0NTY3ODkw", SECRET], Ids(), Queue())

    assert answer.status == 200


def test_missing_headers_and_unsigned_requests_are_refused() -> None:
    body, headers = signed(envelope())

    assert receive_preference_webhook(body, {}, [SECRET], Ids(), Queue()).status == 400
    del headers["svix-signature"]
    assert receive_preference_webhook(body, headers, [SECRET], Ids(), Queue()).reason == "missing_signature_headers"


def test_other_events_are_acknowledged_and_not_queued() -> None:
    body, headers = signed(envelope(eventType="point.balance.updated"))
    queue = Queue()

    answer = receive_preference_webhook(body, headers, [SECRET], Ids(), queue)

    assert (answer.status, answer.reason, queue.sent) == (200, "ignored_point.balance.updated", [])


def test_an_encrypted_payload_is_queued_undecrypted_and_keys_are_read_without_case() -> None:
    body, headers = signed({"EventType": "contact.acceptsEmail.changed", "IsEncrypted": True, "Payload": "abc-_"})
    queue = Queue()

    receive_preference_webhook(body, headers, [SECRET], Ids(), queue)

    (change,) = queue.sent
    assert (change.contact_id, change.encrypted_payload) == (None, "abc-_")


def test_an_event_without_a_contact_is_a_400_and_takes_no_message_id() -> None:
    body, headers = signed(envelope(payload={"acceptsEmail": False}))
    ids = Ids()

    answer = receive_preference_webhook(body, headers, [SECRET], ids, Queue())

    assert (answer.status, answer.reason, ids.taken) == (400, "no_contact", set())


def test_a_queue_failure_gives_the_message_id_back_so_svix_can_deliver_again() -> None:
    body, headers = signed(envelope())
    ids = Ids()

    with pytest.raises(RuntimeError):
        receive_preference_webhook(body, headers, [SECRET], ids, Queue(fail=True))

    assert receive_preference_webhook(body, headers, [SECRET], ids, Queue()).reason == "queued"


# --- the Lambda entry behind its function URL, against moto ----------------------------------------------


@pytest.fixture
def entry_environment() -> Iterator[dict[str, str]]:
    with mock_aws():
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        boto3.client("secretsmanager").create_secret(Name="engage/webhook", SecretString=SECRET)
        yield {
            "POWERTOOLS_SERVICE_NAME": "engage-webhook",
            "POWERTOOLS_METRICS_NAMESPACE": "CentraEngageBridgeTest",
            "ENVIRONMENT_NAME": "test",
            "CONSENT_QUEUE_URL": boto3.client("sqs").create_queue(QueueName="consent")["QueueUrl"],
            "ENGAGE_WEBHOOK_SECRET": "engage/webhook",
            "STATE_TABLE_NAME": "state",
        }


def url_event(method: str, path: str) -> dict[str, Any]:
    """A function URL request (payload 2.0): Svix posts JSON, so the body is text."""
    body = json.dumps({"type": "contact.preferences.updated", "data": {"contactId": CONTACT}})
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "headers": {"content-type": "application/json"},
        "body": body,
        "isBase64Encoded": False,
        "requestContext": {"http": {"method": method, "path": path}},
    }


@pytest.mark.parametrize(("method", "path"), [("GET", "/engage/webhook"), ("POST", "/"), ("POST", "/centra/webhook")])
def test_the_function_url_answers_404_off_its_route_and_no_refusal_is_counted(
    entry_environment: dict[str, str], capsys: pytest.CaptureFixture[str], method: str, path: str
) -> None:
    handler = engage_webhook_handler(entry_environment)
    capsys.readouterr()

    response = handler(url_event(method, path), lambda_context())

    assert (response["statusCode"], json.loads(response["body"])) == (404, {"message": "Not Found"})
    assert not [name for name, _ in emitted_metrics(capsys.readouterr().out) if name == "EngageWebhookRefused"]


def test_on_its_route_an_unsigned_request_reaches_the_signature_check_and_is_refused(
    entry_environment: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    handler = engage_webhook_handler(entry_environment)
    capsys.readouterr()

    response = handler(url_event("POST", "/engage/webhook"), lambda_context())

    assert (response["statusCode"], json.loads(response["body"])["status"]) == (400, "missing_signature_headers")
    assert "EngageWebhookRefused" in [name for name, _ in emitted_metrics(capsys.readouterr().out)]
