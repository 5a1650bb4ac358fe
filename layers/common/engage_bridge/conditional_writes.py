"""DynamoDB conditional writes: a refused condition is an answer (someone else got there first), not a failure.

Every claim and mark in the state table is a conditional put, update or delete; only
``ConditionalCheckFailedException`` means "the condition did not hold". Anything else (throttling, access denied)
is raised, so the caller's message is retried instead of being taken as already done.
"""

from collections.abc import Callable

from botocore.exceptions import ClientError


def refused(error: ClientError) -> bool:
    """True if ``error`` is DynamoDB refusing a write's condition."""
    return bool(error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


def written(write: Callable[[], object]) -> bool:
    """Run a conditional ``write``: True if it was made, False if its condition refused it."""
    try:
        write()
    except ClientError as error:
        if not refused(error):
            raise
        return False
    return True
