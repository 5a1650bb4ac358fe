"""Opt-in SQS delivery faults: duplicates under a new message id, reordered batches, invocations dying mid-batch."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from engage_bridge_tools.local.delivery_faults import DeliveryChaos, DeliveryFaults
from engage_bridge_tools.local.sqs_poller import SqsPoller
from tests.unit.local.test_sqs_poller import Harness


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    with mock_aws():
        yield Harness(tmp_path)


def _chaotic(harness: Harness, faults: DeliveryFaults) -> tuple[SqsPoller, DeliveryChaos]:
    chaos = DeliveryChaos(faults)
    return SqsPoller(harness.poller.trigger, harness.pool, harness.sqs, time_scale=1 / 360, chaos=chaos), chaos


def test_a_duplicated_message_comes_back_with_its_body_and_attributes_under_a_new_id(harness: Harness) -> None:
    harness.sqs.send_message(
        QueueUrl=harness.queue,
        MessageBody=json.dumps({"id": "a"}),
        MessageAttributes={"reason": {"DataType": "String", "StringValue": "kept"}},
    )
    poller, chaos = _chaotic(harness, DeliveryFaults(duplicate_share=1.0))

    poller.poll_once()

    [copy] = harness.sqs.receive_message(QueueUrl=harness.queue, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(copy["Body"]) == {"id": "a"}
    assert copy["MessageAttributes"]["reason"]["StringValue"] == "kept"
    assert [seen["id"] for seen in harness.seen()] == ["a"]  # the original ran and was deleted
    assert chaos.counts() == {"duplicated": 1}


def test_an_invocation_that_dies_ran_part_of_its_batch_and_all_of_it_returns(harness: Harness) -> None:
    for name in "abcd":
        harness.send(id=name)
    poller, chaos = _chaotic(harness, DeliveryFaults(seed=5, crash_share=1.0))

    taken = poller.poll_once()

    ran = [seen["id"] for seen in harness.seen()]
    assert taken == 4
    assert 1 <= len(ran) <= 4
    assert harness.depth(harness.queue) == 4  # nothing deleted: the response was lost
    assert chaos.counts()["invocations_crashed"] == 1
    assert chaos.counts()["records_run_before_crash"] == len(ran)

    harness.poll_until_empty()  # the plain poller: every record comes back, the ones that ran included

    second = sorted(seen["id"] for seen in harness.seen() if seen["receive"] == "2")
    assert second == ["a", "b", "c", "d"]
    assert harness.depth(harness.queue) == 0


def test_shuffling_reorders_a_batch_without_losing_or_adding_a_record() -> None:
    messages = [{"MessageId": str(n)} for n in range(10)]

    shuffled = DeliveryChaos(DeliveryFaults(seed=1, shuffle=True)).reorder(messages)
    kept = DeliveryChaos(DeliveryFaults(seed=1, shuffle=False)).reorder(messages)

    assert shuffled != messages
    assert sorted(shuffled, key=lambda m: int(m["MessageId"])) == messages
    assert kept == messages


def test_a_share_outside_zero_to_one_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="crash_share"):
        DeliveryFaults(crash_share=1.5)


def test_a_retry_floor_keeps_a_failed_record_hidden_no_shorter_and_never_past_the_timeout(harness: Harness) -> None:
    def poller(floor: int) -> SqsPoller:
        return SqsPoller(
            harness.poller.trigger, harness.pool, harness.sqs, time_scale=1 / 360, retry_floor_seconds=floor
        )

    assert harness.poller.retry_delay == 1  # 360 s scaled by 1/360
    assert poller(30).retry_delay == 30
    assert poller(1000).retry_delay == 360  # the queue's own visibility timeout

    harness.send(id="flaky", fail_times=1)
    floored = poller(3)
    floored.poll_once()
    time.sleep(1.5)  # past the scaled second, short of the floor

    assert floored.poll_once() == 0
