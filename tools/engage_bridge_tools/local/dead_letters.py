"""What the dead-letter queues of a local run hold, with the reasons the consumers attached."""

import json
from collections import Counter
from dataclasses import dataclass

from engage_bridge_tools.local.runtime import LocalRuntime


@dataclass(frozen=True, slots=True)
class DeadLetter:
    queue: str  # logical id, e.g. OrderStatusDLQ
    reason: str
    business_key: str | None
    detail: str | None
    body: str


def dead_letters_of(runtime: LocalRuntime) -> list[DeadLetter]:
    letters = []
    for queue, messages in runtime.dead_letters().items():
        for message in messages:
            attributes = {
                name: value.get("StringValue", "") for name, value in message.get("MessageAttributes", {}).items()
            }
            # A message SQS moved after maxReceiveCount carries no reason of ours: it kept failing.
            letters.append(
                DeadLetter(
                    queue=queue,
                    reason=attributes.get("reason", "max_receives_exceeded"),
                    business_key=attributes.get("business_key") or _business_key(message["Body"]),
                    detail=attributes.get("detail"),
                    body=message["Body"],
                )
            )
    return letters


def reasons(letters: list[DeadLetter]) -> dict[str, int]:
    return dict(Counter(f"{letter.queue}: {letter.reason}" for letter in letters).most_common())


def _business_key(body: str) -> str | None:
    try:
        parsed = json.loads(body)
    except json.JSONDecodeError:
        return None
    key = parsed.get("business_key") if isinstance(parsed, dict) else None
    return key if isinstance(key, str) else None
