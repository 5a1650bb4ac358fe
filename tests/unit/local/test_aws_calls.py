"""The AWS call counter sees calls from the default session and from sessions made later (Powertools' own)."""

import contextlib

import boto3
from moto import mock_aws

from engage_bridge_tools.local.aws_calls import AwsCallCounter
from tests.aws import create_state_table


@mock_aws
def test_calls_from_the_default_session_and_from_sessions_of_their_own_are_counted_once_each() -> None:
    counter = AwsCallCounter()
    counter.install()
    try:
        url = boto3.client("sqs").create_queue(QueueName="q")["QueueUrl"]
        own = boto3.session.Session().client("sqs")  # as Powertools' idempotency layer and providers do
        own.send_message(QueueUrl=url, MessageBody="x")
        boto3.client("sqs").receive_message(QueueUrl=url)
    finally:
        counter.uninstall()

    assert counter.snapshot() == {"sqs:CreateQueue": 1, "sqs:ReceiveMessage": 1, "sqs:SendMessage": 1}


@mock_aws
def test_nothing_is_counted_after_uninstall_even_by_sessions_made_while_installed() -> None:
    counter = AwsCallCounter()
    counter.install()
    own = boto3.session.Session().client("sqs")
    counter.uninstall()

    own.create_queue(QueueName="q")
    boto3.client("sqs").list_queues()
    later = boto3.session.Session().client("sqs")
    later.list_queues()

    assert counter.snapshot() == {}


@mock_aws
def test_dynamodb_calls_are_told_apart_by_the_kind_of_record_they_go_to() -> None:
    create_state_table(boto3.client("dynamodb"))
    counter = AwsCallCounter()
    counter.install()
    try:
        client = boto3.client("dynamodb")
        client.put_item(TableName="state", Item={"pk": {"S": "effect#order#1"}, "sk": {"S": "email"}})
        client.update_item(
            TableName="state",
            Key={"pk": {"S": "route#order#1"}, "sk": {"S": "route"}},
            UpdateExpression="SET covered_ms = :at",
            ExpressionAttributeValues={":at": {"N": "1"}},
        )
        client.put_item(TableName="state", Item={"pk": {"S": "idempotency#router"}, "sk": {"S": "abc"}})
        client.delete_item(TableName="state", Key={"pk": {"S": "effect#order#1"}, "sk": {"S": "email"}})
        client.get_item(TableName="state", Key={"pk": {"S": "route#order#1"}, "sk": {"S": "route"}})
        client.get_item(TableName="state", Key={"pk": {"S": "effect#order#1"}, "sk": {"S": "e"}}, ConsistentRead=True)
    finally:
        counter.uninstall()

    assert counter.dynamodb_eventual_reads() == {"GetItem route": 1}  # half a read unit; the consistent one is whole
    assert counter.dynamodb_by_record() == {
        "DeleteItem effect": 1,
        "GetItem effect": 1,
        "GetItem route": 1,
        "PutItem effect": 1,
        "PutItem idempotency#router": 1,
        "UpdateItem route": 1,
    }


@mock_aws
def test_refused_conditional_writes_are_counted_by_record_kind_as_well() -> None:
    create_state_table(boto3.client("dynamodb"))
    counter = AwsCallCounter()
    counter.install()
    try:
        client = boto3.client("dynamodb")
        item = {"pk": {"S": "route#order#1"}, "sk": {"S": "route"}}
        for _ in range(2):  # the second put finds the item: refused
            with contextlib.suppress(client.exceptions.ConditionalCheckFailedException):
                client.put_item(TableName="state", Item=item, ConditionExpression="attribute_not_exists(pk)")
    finally:
        counter.uninstall()

    assert counter.dynamodb_by_record() == {"PutItem route": 2}
    assert counter.dynamodb_refused() == {"PutItem route": 1}


@mock_aws
def test_a_batch_get_counts_the_keys_it_asked_for_by_record_kind_and_consistency() -> None:
    create_state_table(boto3.client("dynamodb"))
    counter = AwsCallCounter()
    counter.install()
    try:
        client = boto3.client("dynamodb")
        effects = [{"pk": {"S": f"effect#order#{n}"}, "sk": {"S": "email"}} for n in range(3)]
        client.batch_get_item(RequestItems={"state": {"Keys": effects}})  # eventually consistent (the default)
        marks = [{"pk": {"S": "route#order#1"}, "sk": {"S": "route"}}]
        client.batch_get_item(RequestItems={"state": {"Keys": [*effects[:1], *marks], "ConsistentRead": True}})
    finally:
        counter.uninstall()

    assert counter.snapshot() == {"dynamodb:BatchGetItem": 2}
    assert counter.dynamodb_batch_get_items() == {"BatchGetItem effect": 4, "BatchGetItem route": 1}
    assert counter.dynamodb_by_record() == {"BatchGetItem effect": 4, "BatchGetItem route": 1}
    assert counter.dynamodb_eventual_reads() == {"BatchGetItem effect": 3}  # half a unit each
