"""Opt-in SQS delivery faults for the local runtime: what SQS and Lambda may do to a consumer, done on purpose.

SQS standard queues deliver at least once and in no particular order, and a Lambda invocation can die after part
of its batch took effect (a timeout, an out-of-memory kill): its response is lost and the whole batch comes back.
``engage-bridge soak`` turns these on to prove every effect still happens once. Without a plan the poller
behaves exactly as it does without this module.

- ``duplicate_share``: that share of received messages is sent to its queue once more (same body and message
  attributes, a new message id), so the function sees it twice, the copy later than the original;
- ``shuffle``: each batch reaches the function in a random order;
- ``crash_share``: that share of invocations runs only the first part of its batch (at least one record) and
  then dies: the response is lost, so every record of the batch returns after its visibility timeout, the part
  that ran included.
"""

import random
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class DeliveryFaults:
    seed: int = 0
    duplicate_share: float = 0.0
    shuffle: bool = False
    crash_share: float = 0.0

    def __post_init__(self) -> None:
        for name in ("duplicate_share", "crash_share"):
            share = getattr(self, name)
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"{name}: a share between 0 and 1, got {share}")


class DeliveryChaos:
    """The draws and counts of one runtime's delivery faults, shared by its pollers (thread-safe)."""

    def __init__(self, faults: DeliveryFaults) -> None:
        self.faults = faults
        self._rng = random.Random(faults.seed)  # noqa: S311 - reproducible faults, not secrets
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def to_duplicate(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The messages to send once more."""
        with self._lock:
            chosen = [message for message in messages if self._rng.random() < self.faults.duplicate_share]
            self._counts["duplicated"] += len(chosen)
        return chosen

    def reorder(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not self.faults.shuffle or len(messages) < 2:
            return messages
        shuffled = list(messages)
        with self._lock:
            self._rng.shuffle(shuffled)
            if shuffled != messages:
                self._counts["batches_reordered"] += 1
        return shuffled

    def crash_after(self, batch_size: int) -> int | None:
        """How many records run before the invocation dies, or None when it does not."""
        with self._lock:
            if self._rng.random() >= self.faults.crash_share:
                return None
            self._counts["invocations_crashed"] += 1
            ran = self._rng.randint(1, batch_size)
            self._counts["records_in_crashed_batches"] += batch_size
            self._counts["records_run_before_crash"] += ran
            return ran

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._counts.items()))


def resend_attributes(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A received message's attributes in the shape ``SendMessage`` takes them."""
    attributes: dict[str, dict[str, Any]] = {}
    for name, value in message.get("MessageAttributes", {}).items():
        attributes[name] = {
            key: value[key] for key in ("DataType", "StringValue", "BinaryValue") if value.get(key) is not None
        }
    return attributes
