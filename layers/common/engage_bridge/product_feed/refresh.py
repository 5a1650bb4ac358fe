"""Debounced refreshes: a Centra product change marks the feed stale; the next refresh run rebuilds it once.

Product, display and size events can come by the hundred when a collection is edited. Each only sets one marker
item in the state table (``productfeed`` / ``refresh``, conditional: the first change of a window writes it, later
ones find it and write nothing); the scheduled refresh run (``ProductFeedRefreshSchedule``) claims the marker and
rebuilds, so a window of changes costs one rebuild. The claim comes before Centra is read: a change during the
rebuild marks the feed again for the next window. A failed rebuild puts its claim back.
"""

import time
from collections.abc import Callable
from typing import Any, Final

from engage_bridge.conditional_writes import written

_KEY: Final = {"pk": {"S": "productfeed"}, "sk": {"S": "refresh"}}
_RETENTION_SECONDS: Final = 7 * 24 * 3600  # a marker nobody claims in a week is moot: the daily full run rebuilt


class FeedRefreshMarker:
    def __init__(self, client: Any, table_name: str, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    def request(self) -> bool:
        """Mark the feed stale; True when this call set the marker (the first change of the window)."""
        now = int(self._clock())
        return written(
            lambda: self._client.put_item(
                TableName=self._table,
                Item={
                    **_KEY,
                    "requested_at": {"N": str(now)},
                    "expiration": {"N": str(now + _RETENTION_SECONDS)},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        )

    def claim(self) -> int | None:
        """Take the marker (delete it); its request time, or None when the feed was not marked."""
        answer = self._client.delete_item(TableName=self._table, Key=_KEY, ReturnValues="ALL_OLD")
        item = answer.get("Attributes")
        return int(item["requested_at"]["N"]) if item else None

    def give_back(self, requested_at: int) -> None:
        """Put a claimed marker back after a failed rebuild (unless a newer change already marked the feed)."""
        written(
            lambda: self._client.put_item(
                TableName=self._table,
                Item={
                    **_KEY,
                    "requested_at": {"N": str(requested_at)},
                    "expiration": {"N": str(int(self._clock()) + _RETENTION_SECONDS)},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        )
