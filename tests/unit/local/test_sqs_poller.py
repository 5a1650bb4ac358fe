"""The local runtime's SQS poller behaves as Lambda's: partial failures, whole-batch failures, DLQ after max receives.

The function is a small handler written to a temporary folder, so each test controls exactly which records fail.
"""

import dataclasses
import json
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from engage_bridge_tools.local.aws_calls import RUNTIME_ONLY_PREFIX, AwsCallCounter
from engage_bridge_tools.local.containers import FunctionPool
from engage_bridge_tools.local.sqs_poller import SqsPoller
from engage_bridge_tools.local.stack import LocalFunction, SqsTrigger

MAX_RECEIVES = 3

HANDLER = textwrap.dedent(
    """
    import json
    import os

    import boto3


    def lambda_handler(event, context):
        failures = []
        for record in event["Records"]:
            body = json.loads(record["body"])
            if body.get("raise"):
                raise RuntimeError("the whole invocation fails")
            receive = record["attributes"]["ApproximateReceiveCount"]
            with open(os.environ["SEEN_LOG"], "a") as seen:
                seen.write(json.dumps({"id": body["id"], "receive": receive}) + "\\n")
            if body.get("finished_elsewhere"):
                # Another delivery of this record finished it meanwhile: it is gone from the queue.
                sqs = boto3.client("sqs")
                sqs.delete_message(QueueUrl=os.environ["QUEUE_URL"], ReceiptHandle=record["receiptHandle"])
                failures.append({"itemIdentifier": record["messageId"]})
            elif body.get("unknown_identifier"):
                failures.append({"itemIdentifier": "not-a-message-id"})
            elif int(record["attributes"]["ApproximateReceiveCount"]) <= body.get("fail_times", 0):
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}
    """
)


class Harness:
    def __init__(self, tmp_path: Path) -> None:
        self.sqs = boto3.client("sqs")
        dlq = self.sqs.create_queue(QueueName="work-dlq")["QueueUrl"]
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVES})
        self.queue = self.sqs.create_queue(
            QueueName="work", Attributes={"VisibilityTimeout": "360", "RedrivePolicy": redrive}
        )["QueueUrl"]
        self.dlq = dlq
        (tmp_path / "app.py").write_text(HANDLER)
        self.seen_log = tmp_path / "seen.jsonl"
        function = LocalFunction(
            logical_id="WorkFunction",
            name="work",
            arn="arn:aws:lambda:eu-north-1:123456789012:function:work",
            code_dir=tmp_path,
            handler="app.lambda_handler",
            environment={"SEEN_LOG": str(self.seen_log), "QUEUE_URL": self.queue},
            timeout_seconds=30,
            memory_mb=128,
            reserved_concurrency=None,
        )
        trigger = SqsTrigger(
            function="WorkFunction",
            queue_url=self.queue,
            queue_arn="arn:aws:sqs:eu-north-1:123456789012:work",
            batch_size=10,
            batching_window_seconds=0,
            report_batch_item_failures=True,
            maximum_concurrency=2,
        )
        self.pool = FunctionPool(function, {})
        # 360 s scaled by 1/360: a failed record comes back after one second.
        self.poller = SqsPoller(trigger, self.pool, self.sqs, time_scale=1 / 360)

    def send(self, **body: Any) -> None:
        self.sqs.send_message(QueueUrl=self.queue, MessageBody=json.dumps(body))

    def seen(self) -> list[dict[str, str]]:
        if not self.seen_log.exists():
            return []
        return [json.loads(line) for line in self.seen_log.read_text().splitlines()]

    def depth(self, url: str) -> int:
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def poll_until_empty(self, rounds: int = 8) -> None:
        for _ in range(rounds):
            if self.depth(self.queue) == 0:
                return
            if not self.poller.poll_once():
                time.sleep(self.poller.retry_delay)  # the failed records are hidden until then


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    with mock_aws():
        yield Harness(tmp_path)


def test_a_reported_failure_is_redelivered_and_the_successes_are_not(harness: Harness) -> None:
    harness.send(id="ok")
    harness.send(id="flaky", fail_times=1)

    harness.poller.poll_once()
    assert harness.depth(harness.queue) == 1  # "ok" deleted; "flaky" hidden for its visibility timeout
    assert harness.poller.poll_once() == 0  # not visible yet

    harness.poll_until_empty()

    assert sorted((s["id"], s["receive"]) for s in harness.seen()) == [("flaky", "1"), ("flaky", "2"), ("ok", "1")]
    assert harness.depth(harness.dlq) == 0


def test_a_function_error_returns_the_whole_batch(harness: Harness) -> None:
    harness.send(id="fine")
    harness.send(id="poison", **{"raise": True})

    harness.poller.poll_once()

    assert harness.depth(harness.queue) == 2  # nothing deleted: Lambda deletes only after a successful invoke
    assert harness.pool.stats.errors == 1


def test_a_failed_record_another_delivery_finished_meanwhile_does_not_hold_back_the_batch(harness: Harness) -> None:
    # A handler hides a record that waits on its own work for 2 s (retry_cadence); on a slow machine the rest of its
    # batch outlasts that, another container takes the record, finishes and deletes it. Rescaling its retry must
    # not fail the poll and leave the batch's successes hidden for the unscaled 360 s.
    harness.send(id="raced", finished_elsewhere=True)
    harness.send(id="ok")

    assert harness.poller.poll_once() == 2

    assert harness.depth(harness.queue) == 0


def test_an_unknown_item_identifier_fails_the_whole_batch(harness: Harness) -> None:
    harness.send(id="a", unknown_identifier=True)
    harness.send(id="b")

    harness.poller.poll_once()

    assert harness.depth(harness.queue) == 2


def test_a_record_failing_every_time_reaches_the_dlq_after_max_receives(harness: Harness) -> None:
    harness.send(id="doomed", fail_times=99)
    harness.send(id="fine")

    harness.poll_until_empty(rounds=2 * MAX_RECEIVES + 2)

    receives = [s["receive"] for s in harness.seen() if s["id"] == "doomed"]
    assert receives == [str(n) for n in range(1, MAX_RECEIVES + 1)]
    dead = harness.sqs.receive_message(QueueUrl=harness.dlq, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["id"] for m in dead] == ["doomed"]


def test_each_concurrent_invocation_gets_its_own_container(harness: Harness) -> None:
    with harness.pool.container() as first, harness.pool.container() as second:
        assert first is not second
    assert harness.pool.stats.cold_starts == 2
    with harness.pool.container():
        pass
    assert harness.pool.stats.cold_starts == 2  # warm again


def test_scaled_retries_follow_voyados_cadence_for_a_function_that_keeps_it(harness: Harness) -> None:
    cadence = SqsPoller(
        dataclasses.replace(harness.poller.trigger, retries_on_cadence=True), harness.pool, harness.sqs, time_scale=0.1
    )
    by_receive = [cadence.retry_delay_of({"Attributes": {"ApproximateReceiveCount": str(n)}}) for n in (1, 2, 3, 4, 8)]

    assert by_receive == [1, 3, 6, 30, 30]  # 10, 30, 60, 300, 300 s scaled by 0.1
    assert harness.poller.retry_delay_of({"Attributes": {"ApproximateReceiveCount": "1"}}) == 1  # no cadence: 360/360


def _batch_sizes_when_a_second_record_arrives_late(harness: Harness, *, as_deployed: bool) -> list[int]:
    trigger = dataclasses.replace(harness.poller.trigger, batching_window_seconds=2)
    poller = SqsPoller(trigger, harness.pool, harness.sqs, time_scale=1 / 360, batching_window_as_deployed=as_deployed)
    harness.send(id="first")
    late = threading.Timer(0.3, lambda: harness.send(id="late"))
    late.start()
    try:
        sizes = [poller.poll_once()]
        late.join()
        while harness.depth(harness.queue):
            sizes.append(poller.poll_once())
    finally:
        late.cancel()
    return sizes


def test_a_window_as_deployed_holds_the_batch_open_for_a_record_arriving_within_it(harness: Harness) -> None:
    assert _batch_sizes_when_a_second_record_arrives_late(harness, as_deployed=True) == [2]


def test_a_scaled_window_invokes_without_waiting_for_a_later_record(harness: Harness) -> None:
    # 2 s scaled by 1/360 is 6 ms: the late record comes in an invocation of its own.
    assert _batch_sizes_when_a_second_record_arrives_late(harness, as_deployed=False) == [1, 1]


def test_the_scaled_pollers_own_hide_of_a_failed_record_is_counted_apart_from_the_functions_calls(
    harness: Harness,
) -> None:
    counter = AwsCallCounter()
    counter.install()  # counts the calls of clients made from here on, as the local session's are
    try:
        poller = SqsPoller(harness.poller.trigger, harness.pool, boto3.client("sqs"), time_scale=1 / 360)
        harness.send(id="flaky", fail_times=1)
        poller.poll_once()
    finally:
        counter.uninstall()

    calls = counter.snapshot()
    # Lambda's poller never changes a failed record's visibility: not an SQS request the stack would pay for.
    assert calls.get(f"{RUNTIME_ONLY_PREFIX}sqs:ChangeMessageVisibility") == 1
    assert "sqs:ChangeMessageVisibility" not in calls
    assert calls["sqs:ReceiveMessage"] >= 1
