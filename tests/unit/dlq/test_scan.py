"""A scan sees every message once and leaves every message it did not delete visible again."""

from typing import Any

import pytest

from engage_bridge_tools.dlq.scan import QueueScan
from tests.unit.dlq.support import QueuePair, visible_count


def _fill(sqs: Any, pair: QueuePair, count: int) -> None:
    for number in range(count):
        sqs.send_message(QueueUrl=pair.dead_letters.url, MessageBody=f"message {number}")


def test_every_message_is_seen_once_past_a_single_receive_and_all_are_visible_afterwards(
    sqs: Any, pair: QueuePair
) -> None:
    _fill(sqs, pair, 25)

    with QueueScan(sqs, pair.dead_letters, wait_seconds=0) as scan:
        bodies = [letter.body for batch in scan.batches() for letter in batch]

    assert sorted(bodies) == sorted(f"message {n}" for n in range(25))
    assert scan.exhausted
    assert visible_count(sqs, pair.dead_letters) == 25


def test_messages_are_hidden_while_the_scan_runs(sqs: Any, pair: QueuePair) -> None:
    _fill(sqs, pair, 3)

    with QueueScan(sqs, pair.dead_letters, wait_seconds=0) as scan:
        list(scan.batches())
        hidden = sqs.get_queue_attributes(
            QueueUrl=pair.dead_letters.url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]["ApproximateNumberOfMessagesNotVisible"]

    assert hidden == "3"
    assert visible_count(sqs, pair.dead_letters) == 3


def test_a_scan_that_fails_halfway_still_gives_every_message_back(sqs: Any, pair: QueuePair) -> None:
    _fill(sqs, pair, 15)

    with pytest.raises(RuntimeError), QueueScan(sqs, pair.dead_letters, wait_seconds=0) as scan:
        for _ in scan.batches():
            raise RuntimeError("operator pressed Ctrl-C")

    assert visible_count(sqs, pair.dead_letters) == 15


class RepeatingSqs:
    """SQS handing back, with every receive, the first message it ever returned (as it does once a visibility
    timeout has passed, or on an at-least-once duplicate)."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self._first: dict[str, Any] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        answer: dict[str, Any] = self._real.receive_message(**kwargs)
        messages = answer.get("Messages", [])
        if self._first is None and messages:
            self._first = messages[0]
        elif self._first is not None and messages:
            answer["Messages"] = [self._first, *messages]
        return answer


def test_a_message_delivered_again_is_yielded_once(sqs: Any, pair: QueuePair) -> None:
    _fill(sqs, pair, 25)

    with QueueScan(RepeatingSqs(sqs), pair.dead_letters, wait_seconds=0) as scan:
        ids = [letter.message_id for batch in scan.batches() for letter in batch]

    assert len(ids) == len(set(ids)) == 25
    assert visible_count(sqs, pair.dead_letters) == 25


class OnlyOldMessagesSqs:
    """After the first receive, SQS only ever returns that first batch again: the scan outlived its timeout."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self._first: dict[str, Any] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        if self._first is None:
            self._first = self._real.receive_message(**kwargs)
        return self._first


def test_a_scan_that_only_sees_old_messages_stops_and_says_it_is_incomplete(sqs: Any, pair: QueuePair) -> None:
    _fill(sqs, pair, 15)

    with QueueScan(OnlyOldMessagesSqs(sqs), pair.dead_letters, wait_seconds=0) as scan:
        seen = [letter for batch in scan.batches() for letter in batch]

    assert len(seen) == 10
    assert not scan.exhausted
    assert visible_count(sqs, pair.dead_letters) == 15
