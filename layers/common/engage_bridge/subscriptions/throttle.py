"""Per-client throttling of subscription requests: fixed one-hour windows counted in the state table.

Two counters per request, both must stay within their limit: the client (the source IP API Gateway saw; it cannot
be forged through a header) and the e-mail address (hashed, so no address is stored), which stops one address
being subscribed over and over from many clients. A counter is one DynamoDB item updated atomically (``ADD``)
that expires with its window (the table's TTL), so the store needs no clean-up and no second table.
"""

import time
from collections.abc import Callable
from typing import Any, Protocol

from msgspec import Struct

from engage_bridge.state import email_key

WINDOW_SECONDS = 3600


class Throttled(Struct, frozen=True):
    counter: str  # "client" or "email"
    retry_after_seconds: int


class Throttle(Protocol):
    def admit(self, client: str, email: str) -> Throttled | None: ...


class DynamoThrottle:
    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        per_client: int,
        per_email: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._table = table_name
        self._limits = {"client": per_client, "email": per_email}
        self._clock = clock

    def admit(self, client: str, email: str) -> Throttled | None:
        """None when the request may go on; else which counter is spent and when its window ends."""
        now = int(self._clock())
        window = now - now % WINDOW_SECONDS
        retry_after = window + WINDOW_SECONDS - now
        for counter, key in (("client", client), ("email", email_key(email))):
            if self._increment(f"throttle#{counter}#{key}", window) > self._limits[counter]:
                return Throttled(counter, retry_after)
        return None

    def _increment(self, pk: str, window: int) -> int:
        answer = self._client.update_item(
            TableName=self._table,
            Key={"pk": {"S": pk}, "sk": {"S": f"window#{window}"}},
            UpdateExpression="ADD requests :one SET expiration = if_not_exists(expiration, :expires)",
            ExpressionAttributeValues={":one": {"N": "1"}, ":expires": {"N": str(window + 2 * WINDOW_SECONDS)}},
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["requests"]["N"])
