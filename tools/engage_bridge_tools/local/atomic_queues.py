"""SQS deletes a message for good; moto rebuilds the queue's message list without it, unguarded.

moto's ``Queue.delete_message`` copies every message but the deleted one into a new list and then replaces the
queue's list with it. In the local runtime the pollers of one queue are threads of one process: two deleting at once
each build from the same old list, and the last to assign puts back the message the other deleted. That message
is still hidden by its receive's visibility timeout, unscaled (360 s on the ingest queue), and then delivered
again; meanwhile ``run_until_idle`` counts it in flight and waits. A 200-order soak sat ~330 s idle on one such
message (docs/decision-log.md, 2026-12-07, "The soak's long silences"). A message sent while the list is rebuilt,
or one a receive moves to the dead-letter queue, can be lost or doubled the same way.

moto's own ``add_message`` holds the queue's ``_messages_lock`` (a condition over a re-entrant lock, which
a long-polling receive releases while it waits); inside ``atomic_sqs_queues`` deletes and receives hold it too, so
each runs alone on its queue, as SQS applies each request atomically.
"""

import functools
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest.mock import patch

from moto.sqs.models import Queue, SQSBackend


@contextmanager
def atomic_sqs_queues() -> Iterator[None]:
    """Within this block, a delete or a receive on one of moto's queues runs alone on that queue."""
    with ExitStack() as patches:
        patches.enter_context(patch.object(Queue, "delete_message", _holding_queue_lock(Queue.delete_message)))
        patches.enter_context(
            patch.object(SQSBackend, "receive_message", _holding_named_queue_lock(SQSBackend.receive_message))
        )
        yield


def _holding_queue_lock(operation: Any) -> Any:
    @functools.wraps(operation)
    def alone(queue: Queue, *args: Any, **kwargs: Any) -> Any:
        with queue._messages_lock:  # moto's own lock for the list (add_message takes it)
            return operation(queue, *args, **kwargs)

    return alone


def _holding_named_queue_lock(operation: Any) -> Any:
    @functools.wraps(operation)
    def alone(backend: SQSBackend, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        with backend.get_queue(queue_name)._messages_lock:  # released while a long poll waits
            return operation(backend, queue_name, *args, **kwargs)

    return alone
