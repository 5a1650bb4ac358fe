"""DynamoDB applies a conditional write atomically; moto checks the condition and writes in two Python steps.

In the local runtime every container is a thread of one process, so two of them could both pass
``attribute_not_exists`` and both write: the contact-creation claim let two handlers create the same member (a
300-order soak did), and Powertools' idempotency records can race the same way. One lock around moto's item
operations gives them DynamoDB's per-request atomicity; it costs nothing that matters at the local runtime's scale.
"""

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest.mock import patch

from moto.dynamodb.models import DynamoDBBackend

# Item reads are included so that none sees an item half way through an update_item.
_ITEM_OPERATIONS = ("put_item", "update_item", "delete_item", "transact_write_items", "get_item", "query", "scan")


@contextmanager
def atomic_dynamodb_items() -> Iterator[None]:
    """Within this block, each of moto's DynamoDB item operations runs alone (a transaction calls the others)."""
    lock = threading.RLock()
    with ExitStack() as patches:
        for name in _ITEM_OPERATIONS:
            serialized = _serialized(getattr(DynamoDBBackend, name), lock)
            patches.enter_context(patch.object(DynamoDBBackend, name, serialized))
        yield


def _serialized(operation: Callable[..., Any], lock: threading.RLock) -> Callable[..., Any]:
    @functools.wraps(operation)
    def alone(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return operation(*args, **kwargs)

    return alone
