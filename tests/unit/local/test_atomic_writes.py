"""moto's conditional writes race between threads; inside ``atomic_dynamodb_items`` exactly one writer wins.

The local runtime's containers are threads; the contact-creation claim and Powertools' idempotency records rely on
``attribute_not_exists`` letting exactly one of them through, as DynamoDB does.
"""

import sys
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from engage_bridge_tools.local.atomic_writes import atomic_dynamodb_items

ROUNDS = 60
WRITERS = 8


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    # Switch threads every microsecond so that an unguarded check-then-write is interrupted often enough to show.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def _rounds_with_several_winners(rounds: int = ROUNDS, *, until_first: bool = False) -> int:
    """Of ``rounds`` rounds, how many let more than one writer through (``until_first``: stop at the first)."""
    client = boto3.client("dynamodb", region_name="eu-north-1")
    client.create_table(
        TableName="claims",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    several = 0
    for round_number in range(rounds):
        winners = _winners(client, f"claim-{round_number}")
        assert winners, "every round has a winner"
        several += winners > 1
        if until_first and several:
            break
    return several


def _winners(client: Any, key: str) -> int:
    """How many of WRITERS threads, released at once, got ``attribute_not_exists`` through for ``key``."""
    winners: list[int] = []
    start = threading.Barrier(WRITERS)

    def claim(writer: int) -> None:
        start.wait()
        try:
            client.put_item(TableName="claims", Item={"pk": {"S": key}}, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ConditionalCheckFailedException"
            return
        winners.append(writer)

    threads = [threading.Thread(target=claim, args=(writer,)) for writer in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(winners)


@pytest.mark.usefixtures("frequent_thread_switches")
def test_inside_the_block_exactly_one_conditional_writer_wins_each_round() -> None:
    with mock_aws(), atomic_dynamodb_items():
        assert _rounds_with_several_winners() == 0


@pytest.mark.usefixtures("frequent_thread_switches")
def test_without_it_moto_lets_several_writers_through_which_is_why_the_block_exists() -> None:
    # A race needs the threads to interleave inside moto's check-then-write, which a loaded host makes rarer: look
    # for one in up to ten times the rounds, stopping at the first (60 rounds once saw none at load 17).
    with mock_aws():
        assert _rounds_with_several_winners(10 * ROUNDS, until_first=True) > 0


def test_the_block_restores_moto_when_it_ends() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    before = DynamoDBBackend.put_item
    with atomic_dynamodb_items():
        assert DynamoDBBackend.put_item is not before
    assert DynamoDBBackend.put_item is before
