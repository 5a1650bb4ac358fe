"""``engage-bridge dlq redrive|purge`` clear the dead-letter marks of what they move, so the next failure is new."""

from typing import Any

import boto3
import pytest

from engage_bridge.dead_letter_marks import DynamoDeadLetterMarks
from engage_bridge_tools.cli import main
from tests.aws import create_state_table
from tests.unit.dlq.support import QueuePair, dead_letter, order_body

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS.*not supported by moto:UserWarning")


@pytest.fixture
def marks(sqs: Any) -> DynamoDeadLetterMarks:  # sqs: inside the same moto context
    client = boto3.client("dynamodb")
    create_state_table(client)
    return DynamoDeadLetterMarks(client, "state")


def _dead_lettered(sqs: Any, pair: QueuePair, marks: DynamoDeadLetterMarks, number: int, reason: str) -> str:
    body = order_body(number)
    key = f"order:{number}:email:shipped"
    assert marks.take(key, f"original-{number}", 0)
    dead_letter(sqs, pair.dead_letters, body, reason=reason, business_key=key)
    return key


def test_redrive_clears_the_marks_of_the_messages_it_moves(
    sqs: Any, pair: QueuePair, marks: DynamoDeadLetterMarks
) -> None:
    moved = _dead_lettered(sqs, pair, marks, 1, "engage_validation")
    kept = _dead_lettered(sqs, pair, marks, 2, "mapping_error")

    status = main(
        [
            "dlq",
            "redrive",
            "OrderStatusDLQ",
            "--wait-seconds",
            "0",
            "--state-table",
            "state",
            "--reason",
            "engage_validation",
        ]
    )

    assert status == 0
    assert marks.take(moved, "a-later-copy", 0)  # cleared: a new failure of this effect is dead-lettered
    assert not marks.take(kept, "a-later-copy", 0)  # still in the DLQ: its copies are still dropped


def test_purge_clears_the_marks_of_the_messages_it_deletes(
    sqs: Any, pair: QueuePair, marks: DynamoDeadLetterMarks
) -> None:
    purged = _dead_lettered(sqs, pair, marks, 3, "engage_validation")

    status = main(["dlq", "purge", "OrderStatusDLQ", "--wait-seconds", "0", "--state-table", "state", "--yes"])

    assert status == 0
    assert marks.take(purged, "a-later-copy", 0)


def test_a_dry_run_clears_nothing(sqs: Any, pair: QueuePair, marks: DynamoDeadLetterMarks) -> None:
    key = _dead_lettered(sqs, pair, marks, 4, "engage_validation")

    assert main(["dlq", "redrive", "OrderStatusDLQ", "--wait-seconds", "0", "--state-table", "state", "--dry-run"]) == 0

    assert not marks.take(key, "a-later-copy", 0)


def test_without_a_state_table_the_operator_is_told_the_marks_stay(
    sqs: Any, pair: QueuePair, marks: DynamoDeadLetterMarks, capsys: pytest.CaptureFixture[str]
) -> None:
    key = _dead_lettered(sqs, pair, marks, 5, "engage_validation")

    assert main(["dlq", "redrive", "OrderStatusDLQ", "--wait-seconds", "0"]) == 0

    assert "dead-letter marks are left to expire" in capsys.readouterr().err
    assert not marks.take(key, "a-later-copy", 0)
