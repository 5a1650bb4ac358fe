"""One dead letter per failed effect: a mark in the state table, keyed on the effect's business key.

The webhook and the events poller both report most changes, so the router may enqueue the same effect twice
(under two SQS message ids, one business key). Powertools idempotency forgets a key whose effect failed for
good (so a redrive after the fix runs it again); without a mark, the second copy fails the same way and lands in
the DLQ next to the first, and operators count one failure twice.

Before a handler dead-letters a record it takes the mark ``deadletter#<business key>`` / ``letter`` with a
conditional write. Only the first copy gets it; later copies are dropped and counted
(``Skipped``/``already_dead_lettered``). The mark names the SQS message that took it, so that message, if its
send to the DLQ failed and SQS delivers it again, still gets through; once the send succeeded the mark says so
(``sent``), and the same message delivered again (its invocation died after the send, so SQS returns the whole
batch) is dropped like any other copy. A redriven message (it carries the
``redrive_count`` attribute ``engage-bridge dlq redrive`` adds) supersedes a mark with a lower count: after the
redrive it is the only copy, and if it fails again it must reach the DLQ. ``engage-bridge dlq redrive`` and
``purge`` also delete the marks of what they move (``--state-table`` or ``--stack``). A mark expires with the DLQ's
retention (14 days), so it never outlives the letter it stands for.
"""

import time
from collections.abc import Callable
from typing import Any, Protocol

from engage_bridge.conditional_writes import written

DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # template.yaml: every DLQ's MessageRetentionPeriod
_MARK_SORT_KEY = "letter"


def mark_key(business_key: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"deadletter#{business_key}"}, "sk": {"S": _MARK_SORT_KEY}}


class DeadLetterMarks(Protocol):
    def take(self, business_key: str, message_id: str, redrive_count: int) -> bool:
        """True if this message may dead-letter ``business_key``: no other copy did it before."""
        ...

    def release(self, business_key: str, message_id: str) -> None:
        """Give back a mark this message took but could not use (its send to the DLQ failed)."""
        ...

    def confirm(self, business_key: str, message_id: str) -> None:
        """Record that this message's letter is in the DLQ: a redelivery of the same message is a copy too."""
        ...

    def redrive_count(self, business_key: str) -> int | None:
        """The redrive round of the letter standing for ``business_key`` (0: never redriven); None: no letter."""
        ...


class DynamoDeadLetterMarks:
    """``DeadLetterMarks`` on the stack's state table."""

    def __init__(self, client: Any, table_name: str, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    def take(self, business_key: str, message_id: str, redrive_count: int) -> bool:
        now = int(self._clock())
        return written(
            lambda: self._client.put_item(
                TableName=self._table,
                Item={
                    **mark_key(business_key),
                    "message_id": {"S": message_id},
                    "redrive_count": {"N": str(redrive_count)},
                    "expiration": {"N": str(now + DLQ_RETENTION_SECONDS)},
                },
                ConditionExpression=(
                    "attribute_not_exists(pk) OR expiration <= :now"
                    " OR (message_id = :message_id AND attribute_not_exists(sent))"
                    " OR redrive_count < :redrive_count"
                ),
                ExpressionAttributeValues={
                    ":now": {"N": str(now)},
                    ":message_id": {"S": message_id},
                    ":redrive_count": {"N": str(redrive_count)},
                },
            )
        )

    def release(self, business_key: str, message_id: str) -> None:
        written(  # refused: another copy's mark, not this message's to give back
            lambda: self._client.delete_item(
                TableName=self._table,
                Key=mark_key(business_key),
                ConditionExpression="message_id = :message_id",
                ExpressionAttributeValues={":message_id": {"S": message_id}},
            )
        )

    def confirm(self, business_key: str, message_id: str) -> None:
        written(  # refused: a redrive took the mark meanwhile, and the letter it stands for is the redriven one
            lambda: self._client.update_item(
                TableName=self._table,
                Key=mark_key(business_key),
                UpdateExpression="SET sent = :sent",
                ConditionExpression="message_id = :message_id",
                ExpressionAttributeValues={":sent": {"BOOL": True}, ":message_id": {"S": message_id}},
            )
        )

    def redrive_count(self, business_key: str) -> int | None:
        item = self._client.get_item(TableName=self._table, Key=mark_key(business_key), ConsistentRead=True).get("Item")
        if item is None or int(item["expiration"]["N"]) <= int(self._clock()):
            return None
        return int(item.get("redrive_count", {}).get("N", "0"))

    def clear(self, business_key: str) -> None:
        """Forget the mark (``engage-bridge dlq redrive``/``purge``): the next failure of this effect is new."""
        self._client.delete_item(TableName=self._table, Key=mark_key(business_key))
