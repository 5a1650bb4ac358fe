"""Which queue each function's failures land in, read from a stack's template (SAM or processed CloudFormation).

A function's dead-letter queues are found the way the template wires them, never from a list of names:

- the queue its ``DEAD_LETTER_QUEUE_URL`` variable names (handlers and the router send permanent failures
  there themselves);
- the ``RedrivePolicy`` target of each queue it consumes (SQS moves a message there after five receives);
- any queue under a ``DeadLetterConfig`` or ``OnFailure`` key of the function or of a resource that names it
  (the poller's schedule target and its ``EventInvokeConfig`` point at ``PollerFailureQueue``).

A function is known by its ``POWERTOOLS_SERVICE_NAME`` with dashes as underscores, which is its code folder's
name (``order_status``, ``router``, ``centra_events``), and by its logical id.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

FUNCTION_TYPES = frozenset({"AWS::Serverless::Function", "AWS::Lambda::Function"})
QUEUE_TYPE = "AWS::SQS::Queue"
_FAILURE_KEYS = frozenset({"DeadLetterConfig", "DeadLetterQueue", "OnFailure"})  # SAM and CloudFormation spellings
_CONSUMED_QUEUE_KEYS = frozenset({"Queue", "EventSourceArn"})  # SAM SQS event, CloudFormation event source mapping


@dataclass(frozen=True, slots=True)
class FunctionFailures:
    logical_id: str
    short_name: str
    dead_letter_queues: frozenset[str]  # logical ids


def function_failure_queues(template: Mapping[str, Any]) -> dict[str, FunctionFailures]:
    """Every function of ``template`` that has a dead-letter queue, keyed by its short name."""
    resources: Mapping[str, Any] = template.get("Resources", {})
    queues = {logical_id for logical_id, resource in resources.items() if resource.get("Type") == QUEUE_TYPE}
    found = {}
    for function_id, function in resources.items():
        if function.get("Type") not in FUNCTION_TYPES:
            continue
        properties = function.get("Properties", {})
        variables = properties.get("Environment", {}).get("Variables", {})
        dead_letters = {_ref(variables.get("DEAD_LETTER_QUEUE_URL")) or ""} & queues
        naming_it = [properties] + [
            resource.get("Properties", {})
            for logical_id, resource in resources.items()
            if logical_id != function_id and function_id in _referenced(resource.get("Properties", {}))
        ]
        for node in naming_it:
            for key, value in _items(node):
                if key in _FAILURE_KEYS:
                    dead_letters |= _queue_arns(value) & queues
                elif key in _CONSUMED_QUEUE_KEYS:
                    for consumed in _queue_arns(value) & queues:
                        dead_letters |= _redrive_target(resources[consumed]) & queues
        if dead_letters:
            service = variables.get("POWERTOOLS_SERVICE_NAME")
            short_name = service.replace("-", "_") if isinstance(service, str) else function_id
            found[short_name] = FunctionFailures(function_id, short_name, frozenset(dead_letters))
    return found


def queue_logical_ids(template: Mapping[str, Any]) -> frozenset[str]:
    resources: Mapping[str, Any] = template.get("Resources", {})
    return frozenset(logical_id for logical_id, resource in resources.items() if resource.get("Type") == QUEUE_TYPE)


def _redrive_target(queue: Mapping[str, Any]) -> set[str]:
    policy = queue.get("Properties", {}).get("RedrivePolicy")
    return _queue_arns(policy.get("deadLetterTargetArn")) if isinstance(policy, Mapping) else set()


def _ref(node: Any) -> str | None:
    return node["Ref"] if isinstance(node, Mapping) and isinstance(node.get("Ref"), str) else None


def _queue_arns(node: Any) -> set[str]:
    """Logical ids named as ``!GetAtt X.Arn`` anywhere in ``node``."""
    found = set()
    for key, value in _items(node):
        if key == "Fn::GetAtt":
            target, attribute = value.split(".", 1) if isinstance(value, str) else value
            if attribute == "Arn":
                found.add(target)
    return found


def _referenced(node: Any) -> set[str]:
    """Logical ids ``node`` names with ``Ref`` or ``Fn::GetAtt``."""
    found = set()
    for key, value in _items(node):
        if key == "Ref" and isinstance(value, str):
            found.add(value)
        elif key == "Fn::GetAtt":
            found.add(value.split(".", 1)[0] if isinstance(value, str) else value[0])
    return found


def _items(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair in a nested structure of mappings and lists, outermost first."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield key, value
            yield from _items(value)
    elif isinstance(node, list):
        for item in node:
            yield from _items(item)
