"""What ``<queue>`` names: a queue URL, a queue name, or (with ``--stack``) a function's short name or a queue's
logical id in the deployed stack; and which queue a dead-letter queue's messages came from.

The stack is read as deployed: its processed template says which queue each function dead-letters to
(``wiring``), its resources give each queue's URL. A DLQ's source queue comes from SQS itself
(``ListDeadLetterSourceQueues``: the queues whose redrive policy targets it), never from a list of names.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from samtranslator.yaml_helper import yaml_parse

from engage_bridge_tools.dlq.wiring import function_failure_queues, queue_logical_ids


class QueueError(Exception):
    """``<queue>`` (or a DLQ's source) does not name exactly one usable queue; the message says why."""


@dataclass(frozen=True, slots=True)
class Queue:
    url: str
    logical_id: str | None = None  # when it was found through the stack

    @property
    def name(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]

    @property
    def label(self) -> str:
        return f"{self.logical_id} ({self.name})" if self.logical_id else self.name


class DeployedStack:
    """A CloudFormation stack's template and queue URLs, read once."""

    def __init__(self, cloudformation: Any, stack_name: str) -> None:
        self.name = stack_name
        try:
            body = cloudformation.get_template(StackName=stack_name, TemplateStage="Processed")["TemplateBody"]
            # list_stack_resources pages; describe_stack_resources stops at 100 resources.
            pages = cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name)
            summaries = [summary for page in pages for summary in page["StackResourceSummaries"]]
        except ClientError as error:
            raise QueueError(f"stack {stack_name!r}: {error.response['Error']['Message']}") from None
        # boto3 parses a JSON template into a mapping; a YAML one arrives as text.
        self.template: Mapping[str, Any] = body if isinstance(body, Mapping) else yaml_parse(body)
        self._physical_ids = {s["LogicalResourceId"]: s.get("PhysicalResourceId", "") for s in summaries}

    def queue(self, logical_id: str) -> Queue:
        url = self._physical_ids.get(logical_id)
        if not url:
            raise QueueError(f"stack {self.name!r} has no deployed queue {logical_id!r}")
        return Queue(url, logical_id)

    def resolve(self, name: str) -> Queue | None:
        """The queue ``name`` means in this stack: a function's short name or logical id, or a queue's logical id."""
        for failures in function_failure_queues(self.template).values():
            if name.replace("-", "_") in {failures.short_name, failures.logical_id}:
                if len(failures.dead_letter_queues) > 1:
                    choices = ", ".join(sorted(failures.dead_letter_queues))
                    raise QueueError(f"{name!r} has several dead-letter queues ({choices}); name one of them")
                (logical_id,) = failures.dead_letter_queues
                return self.queue(logical_id)
        if name in queue_logical_ids(self.template):
            return self.queue(name)
        return None

    def physical_id(self, logical_id: str) -> str | None:
        """A deployed resource's name or URL (the state table: ``StateTable``); None if the stack has none."""
        return self._physical_ids.get(logical_id) or None

    def logical_id_of(self, url: str) -> str | None:
        return next((logical_id for logical_id, physical in self._physical_ids.items() if physical == url), None)

    def known_names(self) -> list[str]:
        return sorted(function_failure_queues(self.template)) + sorted(queue_logical_ids(self.template))


def resolve_queue(name: str, sqs: Any, stack: DeployedStack | None = None) -> Queue:
    """The queue ``name`` means; ``QueueError`` naming it when there is none."""
    if not name.strip():
        raise QueueError("<queue> is empty")
    if name.startswith(("https://", "http://")):
        queue = Queue(name)
        _check_exists(sqs, queue)
        return queue
    if stack is not None and (found := stack.resolve(name)) is not None:
        return found
    try:
        return Queue(sqs.get_queue_url(QueueName=name)["QueueUrl"])
    except ClientError as error:
        if not _is_missing_queue(error):
            raise
    if stack is None:
        raise QueueError(
            f"unknown queue {name!r}: no queue of that name in this account and region"
            " (give --stack NAME to name a function, e.g. order_status, or a queue's logical id)"
        )
    raise QueueError(
        f"unknown queue {name!r}: not a function or queue of stack {stack.name!r} nor a queue name"
        f" (known: {', '.join(stack.known_names())})"
    )


def ensure_dead_letter_queue(sqs: Any, queue: Queue) -> None:
    """Refuse a queue that has a DLQ of its own: every receive counts toward moving its messages there, and a
    live queue's consumer would miss what a scan hides."""
    attributes = sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["RedrivePolicy"]).get("Attributes", {})
    if policy := attributes.get("RedrivePolicy"):
        target = json.loads(policy).get("deadLetterTargetArn", "?").rsplit(":", 1)[-1]
        raise QueueError(
            f"{queue.label} is not a dead-letter queue: it sends failures to {target}, and reading it would count"
            " toward moving its messages there; name the dead-letter queue (or the function)"
        )


def source_queue(sqs: Any, dead_letter_queue: Queue, stack: DeployedStack | None = None) -> Queue:
    """The queue whose redrive policy sends its failures to ``dead_letter_queue``: where redrive returns them."""
    pages = sqs.get_paginator("list_dead_letter_source_queues").paginate(QueueUrl=dead_letter_queue.url)
    urls = [url for page in pages for url in page.get("queueUrls", [])]
    if not urls:
        raise QueueError(
            f"{dead_letter_queue.label} is no queue's dead-letter queue, so there is nothing to redrive to"
            " (PollerFailureQueue holds records of failed poller runs: read them with list/show, then purge)"
        )
    if len(urls) > 1:
        raise QueueError(
            f"{dead_letter_queue.label} receives failures from several queues ({', '.join(urls)});"
            " redrive needs exactly one"
        )
    (url,) = urls
    return Queue(url, stack.logical_id_of(url) if stack else None)


def _check_exists(sqs: Any, queue: Queue) -> None:
    try:
        sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["QueueArn"])
    except ClientError as error:
        if _is_missing_queue(error):
            raise QueueError(f"unknown queue {queue.url!r}: it does not exist") from None
        raise


def _is_missing_queue(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    return code in {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}
