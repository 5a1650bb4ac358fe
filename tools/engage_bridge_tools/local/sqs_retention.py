"""moto checks each message a receive hands out against the queue's retention period by building the queue's whole
attribute set, and that set counts every message in the queue (visible, in flight, delayed). A receive from a
backlog of n messages therefore cost n²: a 1000-order soak spent nearly half its CPU there. Local sessions read the
retention period from the queue itself; the answer is the same.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from unittest.mock import patch

from moto.core.utils import unix_time
from moto.sqs.models import Message, SQSBackend


@contextmanager
def retention_check_without_counting() -> Iterator[None]:
    with patch.object(SQSBackend, "is_message_valid_based_on_retention_period", _within_retention):
        yield


def _within_retention(backend: SQSBackend, queue_name: str, message: Message) -> bool:
    # Set from the queue's attributes under this name (moto stores each attribute in snake case).
    retention_seconds = int(vars(backend.get_queue(queue_name))["message_retention_period"])
    sent_seconds = (message.sent_timestamp or 0) / 1000
    return retention_seconds + sent_seconds > unix_time()
