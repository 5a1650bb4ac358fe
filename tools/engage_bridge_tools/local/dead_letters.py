"""What the dead-letter queues of a local run hold, read as ``engage-bridge dlq`` reads them."""

from collections import Counter
from dataclasses import dataclass

from engage_bridge_tools.dlq.letters import DeadLetter as QueuedLetter
from engage_bridge_tools.local.runtime import LocalRuntime


@dataclass(frozen=True, slots=True)
class DeadLetter:
    queue: str  # logical id, e.g. OrderStatusDLQ
    reason: str  # the consumer's reason attribute; "none" when SQS moved it after maxReceiveCount receives
    business_key: str | None
    detail: str | None
    body: str


def dead_letters_of(runtime: LocalRuntime) -> list[DeadLetter]:
    letters = []
    for queue, messages in runtime.dead_letters().items():
        for message in messages:
            letter = QueuedLetter.from_sqs(message)
            letters.append(
                DeadLetter(queue, letter.reason, letter.business_key or None, letter.detail or None, letter.body)
            )
    return letters


def reasons(letters: list[DeadLetter]) -> dict[str, int]:
    return dict(Counter(f"{letter.queue}: {letter.reason}" for letter in letters).most_common())
