"""<queue> as a URL, a name, or a function of the deployed stack; and where a DLQ's messages came from."""

from typing import Any

import boto3
import pytest

from engage_bridge_tools.dlq.queues import DeployedStack, QueueError, resolve_queue, source_queue
from tests.unit.dlq.support import QueuePair

# moto names what it cannot model (alarms, HTTP API, queue policies, invoke configs) while creating the stack.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS.*not supported by moto:UserWarning")


def _stack_queue_url(stack_name: str, logical_id: str) -> str:
    # list_stack_resources, not describe_stack_resource: moto's describe stops at the first resource type it does
    # not model (a queue policy or an EventInvokeConfig listed before the queue) instead of skipping it.
    pages = boto3.client("cloudformation").get_paginator("list_stack_resources").paginate(StackName=stack_name)
    [url] = [
        summary["PhysicalResourceId"]
        for page in pages
        for summary in page["StackResourceSummaries"]
        if summary["LogicalResourceId"] == logical_id
    ]
    return str(url)


@pytest.mark.parametrize(
    ("name", "logical_id"),
    [
        ("order_status", "OrderStatusDLQ"),
        ("order-status", "OrderStatusDLQ"),
        ("OrderStatusFunction", "OrderStatusDLQ"),
        ("router", "IngestDLQ"),
        ("centra_events", "PollerFailureQueue"),
        ("ReceiptPushDLQ", "ReceiptPushDLQ"),
        ("engage_consent", "ConsentDLQ"),
        ("ConsentDLQ", "ConsentDLQ"),
        ("engage_changes", "EngageChangesFailureQueue"),
        ("backfill", "BackfillDLQ"),
    ],
)
def test_a_function_or_logical_id_resolves_to_the_deployed_queue(
    sqs: Any, deployed_stack: str, name: str, logical_id: str
) -> None:
    stack = DeployedStack(boto3.client("cloudformation"), deployed_stack)

    queue = resolve_queue(name, sqs, stack)

    assert queue.url == _stack_queue_url(deployed_stack, logical_id)
    assert queue.logical_id == logical_id


def test_a_handler_dlqs_source_is_its_handler_queue(sqs: Any, deployed_stack: str) -> None:
    stack = DeployedStack(boto3.client("cloudformation"), deployed_stack)

    source = source_queue(sqs, resolve_queue("order_status", sqs, stack), stack)

    assert source.url == _stack_queue_url(deployed_stack, "OrderStatusQueue")
    assert source.logical_id == "OrderStatusQueue"


def test_the_consent_dlqs_source_is_the_consent_queue(sqs: Any, deployed_stack: str) -> None:
    stack = DeployedStack(boto3.client("cloudformation"), deployed_stack)

    source = source_queue(sqs, resolve_queue("engage_consent", sqs, stack), stack)

    assert source.logical_id == "ConsentQueue"


def test_the_poller_failure_queue_has_no_source_to_redrive_to(sqs: Any, deployed_stack: str) -> None:
    stack = DeployedStack(boto3.client("cloudformation"), deployed_stack)
    failures = resolve_queue("centra_events", sqs, stack)

    with pytest.raises(QueueError, match=r"PollerFailureQueue .* is no queue's dead-letter queue"):
        source_queue(sqs, failures, stack)


def test_an_unknown_name_in_a_stack_is_refused_with_the_names_it_knows(sqs: Any, deployed_stack: str) -> None:
    stack = DeployedStack(boto3.client("cloudformation"), deployed_stack)

    with pytest.raises(QueueError, match=r"unknown queue 'order_stat'.*known: .*order_status") as raised:
        resolve_queue("order_stat", sqs, stack)
    assert "centra_webhook" not in str(raised.value)


def test_an_unknown_stack_is_named(sqs: Any) -> None:
    with pytest.raises(QueueError, match="stack 'nope'"):
        DeployedStack(boto3.client("cloudformation"), "nope")


def test_a_queue_name_or_url_needs_no_stack(sqs: Any, pair: QueuePair) -> None:
    assert resolve_queue("OrderStatusDLQ", sqs).url == pair.dead_letters.url
    assert resolve_queue(pair.dead_letters.url, sqs).url == pair.dead_letters.url
    assert source_queue(sqs, pair.dead_letters).url == pair.source.url


@pytest.mark.parametrize("name", ["order_status", "https://sqs.eu-north-1.amazonaws.com/123456789012/gone", " "])
def test_a_name_that_is_no_queue_is_refused_naming_it(sqs: Any, name: str) -> None:
    with pytest.raises(QueueError, match=r"unknown queue|empty") as raised:
        resolve_queue(name, sqs)
    assert name.strip() in str(raised.value)
