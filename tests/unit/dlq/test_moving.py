"""Redrive and purge against moto: attributes kept, filters honoured, nothing lost when SQS fails halfway."""

import json
from typing import Any

from engage_bridge_tools.dlq.letters import REDRIVE_COUNT, REDRIVEN_FROM, Selection
from engage_bridge_tools.dlq.moving import Report, purge, redrive
from engage_bridge_tools.dlq.queues import Queue
from engage_bridge_tools.dlq.scan import QueueScan
from tests.unit.dlq.support import (
    FlakySqs,
    QueuePair,
    all_messages,
    dead_letter,
    order_body,
    string_attributes,
    visible_count,
)


def _scan(sqs: Any, queue: Queue) -> QueueScan:
    return QueueScan(sqs, queue, wait_seconds=0)


def _redrive(sqs: Any, pair: QueuePair, selection: Selection | None = None, *, dry_run: bool = False) -> Report:
    scan = _scan(sqs, pair.dead_letters)
    return redrive(sqs, scan, pair.dead_letters, pair.source, selection or Selection(), dry_run=dry_run)


def _mixed_dlq(sqs: Any, pair: QueuePair) -> dict[str, str]:
    """Three tenant-config failures, one unmappable order, one message SQS moved after five receives."""
    ids = {}
    for number in (1, 2, 3):
        ids[f"invalid{number}"] = dead_letter(
            sqs,
            pair.dead_letters,
            order_body(number),
            reason="engage_validation",
            detail="POST /api/v2/orders: 422",
            validation_errors='[{"code": "InvalidOrderStatus", "field": "status", "description": "unknown"}]',
            business_key=f"order:{number}:email:shipped",
            source_message_id=f"source-{number}",
        )
    ids["unmappable"] = dead_letter(
        sqs, pair.dead_letters, order_body(4), reason="mapping_error", detail="cannot map order 4: customer.email"
    )
    sqs.send_message(QueueUrl=pair.dead_letters.url, MessageBody=order_body(5))
    ids["retried_out"] = next(
        m["MessageId"] for m in all_messages(sqs, pair.dead_letters) if '"order_number": 5' in m["Body"]
    )
    return ids


def _bodies(sqs: Any, queue: Queue) -> list[str]:
    return sorted(message["Body"] for message in all_messages(sqs, queue))


def test_redrive_moves_every_message_with_its_attributes(sqs: Any, pair: QueuePair) -> None:
    _mixed_dlq(sqs, pair)
    before = {m["Body"]: string_attributes(m) for m in all_messages(sqs, pair.dead_letters)}

    report = _redrive(sqs, pair)

    assert report.ok and len(report.done) == 5
    assert visible_count(sqs, pair.dead_letters) == 0
    after = {m["Body"]: string_attributes(m) for m in all_messages(sqs, pair.source)}
    assert set(after) == set(before)
    for body, attributes in before.items():
        assert after[body] == {**attributes, REDRIVE_COUNT: "1", REDRIVEN_FROM: "OrderStatusDLQ"}


def test_redrive_by_reason_moves_only_those_and_leaves_the_rest_visible(sqs: Any, pair: QueuePair) -> None:
    _mixed_dlq(sqs, pair)

    report = _redrive(sqs, pair, Selection(reasons=frozenset({"engage_validation", "none"})))

    assert report.ok
    assert [m["order_number"] for m in map(_order, _bodies(sqs, pair.source))] == [1, 2, 3, 5]
    assert [m["order_number"] for m in map(_order, _bodies(sqs, pair.dead_letters))] == [4]
    assert visible_count(sqs, pair.dead_letters) == 1


def test_redrive_of_one_message_by_id(sqs: Any, pair: QueuePair) -> None:
    ids = _mixed_dlq(sqs, pair)

    report = _redrive(sqs, pair, Selection(message_ids=frozenset({ids["unmappable"]})))

    assert [letter.message_id for letter in report.done] == [ids["unmappable"]]
    assert _bodies(sqs, pair.source) == [order_body(4)]
    assert visible_count(sqs, pair.dead_letters) == 4


def test_a_dry_run_moves_nothing_and_hides_nothing(sqs: Any, pair: QueuePair) -> None:
    _mixed_dlq(sqs, pair)

    report = _redrive(sqs, pair, Selection(reasons=frozenset({"engage_validation"})), dry_run=True)

    assert len(report.selected) == 3 and report.done == []
    assert visible_count(sqs, pair.source) == 0
    assert visible_count(sqs, pair.dead_letters) == 5


def test_a_send_failing_halfway_loses_nothing_and_duplicates_nothing(sqs: Any, pair: QueuePair) -> None:
    for number in range(25):  # three receive batches
        dead_letter(sqs, pair.dead_letters, order_body(number), reason="engage_validation")
    # The second batch's send fails outright; in the third, SQS refuses two entries.
    flaky = FlakySqs(
        sqs,
        send_message_batch=lambda call: (
            True
            if flaky.calls["send_message_batch"] == 2
            else ["0", "3"]
            if flaky.calls["send_message_batch"] == 3
            else False
        ),
    )

    report = redrive(flaky, _scan(flaky, pair.dead_letters), pair.dead_letters, pair.source, Selection(), dry_run=False)

    assert not report.ok
    moved, left = _bodies(sqs, pair.source), _bodies(sqs, pair.dead_letters)
    assert len(moved) == len(report.done) == 25 - 10 - 2
    assert len(left) == len(report.failures) == 12
    assert sorted(moved + left) == sorted(order_body(n) for n in range(25))  # every message exactly once
    assert visible_count(sqs, pair.dead_letters) == 12  # and the ones left behind are not hidden
    assert all("not sent to OrderStatusQueue" in failure.problem for failure in report.failures)


def test_a_delete_failing_after_the_send_leaves_a_reported_duplicate_never_a_loss(sqs: Any, pair: QueuePair) -> None:
    dead_letter(sqs, pair.dead_letters, order_body(1), reason="engage_validation")
    flaky = FlakySqs(sqs, delete_message_batch=lambda call: True)

    report = redrive(flaky, _scan(flaky, pair.dead_letters), pair.dead_letters, pair.source, Selection(), dry_run=False)

    assert _bodies(sqs, pair.source) == _bodies(sqs, pair.dead_letters) == [order_body(1)]
    (failure,) = report.failures
    assert "sent, but still in the DLQ (a duplicate)" in failure.problem
    assert visible_count(sqs, pair.dead_letters) == 1


def test_a_second_redrive_counts_two(sqs: Any, pair: QueuePair) -> None:
    dead_letter(sqs, pair.dead_letters, order_body(1), reason="engage_validation")
    _redrive(sqs, pair)
    # The handler fails again the way SQS does after five receives: the message keeps its attributes.
    (message,) = all_messages(sqs, pair.source)
    sqs.send_message(
        QueueUrl=pair.dead_letters.url, MessageBody=message["Body"], MessageAttributes=message["MessageAttributes"]
    )

    _redrive(sqs, pair)

    counts = sorted(string_attributes(m)[REDRIVE_COUNT] for m in all_messages(sqs, pair.source))
    assert counts == ["1", "2"]


def test_purge_by_reason_deletes_only_the_matching_messages(sqs: Any, pair: QueuePair) -> None:
    _mixed_dlq(sqs, pair)

    report = purge(
        sqs, _scan(sqs, pair.dead_letters), pair.dead_letters, Selection(reasons=frozenset({"engage_validation"}))
    )

    assert report.ok and len(report.done) == 3
    assert [m["order_number"] for m in map(_order, _bodies(sqs, pair.dead_letters))] == [4, 5]
    assert visible_count(sqs, pair.dead_letters) == 2
    assert visible_count(sqs, pair.source) == 0


def test_a_failed_purge_delete_is_reported_and_the_message_kept(sqs: Any, pair: QueuePair) -> None:
    _mixed_dlq(sqs, pair)
    flaky = FlakySqs(sqs, delete_message_batch=lambda call: ["0"])

    report = purge(flaky, _scan(flaky, pair.dead_letters), pair.dead_letters, Selection())

    assert not report.ok
    assert len(report.done) == 4 and len(report.failures) == 1
    assert visible_count(sqs, pair.dead_letters) == 1


def _order(body: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(body)
    return parsed
