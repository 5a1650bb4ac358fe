"""moto's SQS delete rebuilds the queue's message list unguarded; inside ``atomic_sqs_queues`` a delete runs alone.

Two pollers deleting at once put back the message one of them deleted, hidden until its receive's visibility
timeout ends: the 200-order soak's ~330 s silences (docs/decision-log.md, 2026-12-07). The interleaving is forced:
the first delete is held inside moto's rebuild until the second has finished, or for ``HOLD_SECONDS`` when the
second cannot start (it waits for the queue's lock), so the test does not depend on thread timing.
"""

import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.sqs.models import Queue, SQSBackend, sqs_backends

from engage_bridge_tools.local.atomic_queues import atomic_sqs_queues

REGION = "eu-north-1"
HOLD_SECONDS = 1.0


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


def _queue(sqs: Any) -> tuple[str, Queue]:
    url = sqs.create_queue(QueueName="ingest", Attributes={"VisibilityTimeout": "360"})["QueueUrl"]
    account = url.rsplit("/", 2)[1]  # moto's queue URL: .../<account>/<name>
    return url, sqs_backends[account][REGION].queues["ingest"]


def _two_deletes_at_once(sqs: Any) -> dict[str, str]:
    """Receive two messages, delete both from two threads with the first held inside moto's rebuild while the
    second runs; the queue's counts afterwards."""
    url, queue = _queue(sqs)
    for body in ("first", "second"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=360)["Messages"]
    handles = {message["Body"]: message["ReceiptHandle"] for message in received}
    assert set(handles) == {"first", "second"}

    holder = threading.Event()
    second_done = threading.Event()
    held = next(message for message in queue._messages if message.body == "second")
    own_check = held.had_receipt_handle

    def check_while_held(handle: str) -> bool:
        # Only the first delete's thread is held, once: inside moto's loop, after the list copy began.
        if threading.current_thread().name == "first-delete" and not holder.is_set():
            holder.set()
            second_done.wait(HOLD_SECONDS)
        return own_check(handle)

    held.had_receipt_handle = check_while_held  # type: ignore[method-assign,assignment]
    first = threading.Thread(
        target=sqs.delete_message, kwargs={"QueueUrl": url, "ReceiptHandle": handles["first"]}, name="first-delete"
    )
    first.start()
    assert holder.wait(10), "the first delete reached moto's rebuild"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handles["second"])
    second_done.set()
    first.join()
    attributes: dict[str, str] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return attributes


def test_inside_the_block_two_deletes_at_once_leave_the_queue_empty(sqs: Any) -> None:
    with atomic_sqs_queues():
        attributes = _two_deletes_at_once(sqs)
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_without_it_moto_puts_a_deleted_message_back_hidden_which_is_why_the_block_exists(sqs: Any) -> None:
    attributes = _two_deletes_at_once(sqs)
    # The second message, deleted, is back, in flight until its 360 s visibility timeout ends.
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"


def test_a_long_poll_inside_the_block_still_wakes_for_a_send(sqs: Any) -> None:
    # A receive holds the queue's lock; moto's long poll releases it while it waits, so a send gets through.
    url, _ = _queue(sqs)
    got: list[Any] = []
    with atomic_sqs_queues():
        waiting = threading.Thread(
            target=lambda: got.extend(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5).get("Messages", []))
        )
        waiting.start()
        sqs.send_message(QueueUrl=url, MessageBody="late")
        waiting.join()
    assert [message["Body"] for message in got] == ["late"]


def test_the_block_restores_moto_when_it_ends() -> None:
    delete, receive = Queue.delete_message, SQSBackend.receive_message
    with atomic_sqs_queues():
        assert Queue.delete_message is not delete
        assert SQSBackend.receive_message is not receive
    assert (Queue.delete_message, SQSBackend.receive_message) == (delete, receive)
