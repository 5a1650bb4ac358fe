"""Which SKUs a subscription may name: those Centra sells in the market, as last read from Centra's displays.

Engage matches a stock level and a subscription to its product feed by SKU (engage-wave2.md §6), so a SKU outside
the feed can never trigger a back-in-stock e-mail. The product feed writer records every size SKU it reads from
Centra's displays for a market (``record``); the endpoint checks the SKU and market against that record instead
of querying Centra per request (the contract has no evidenced lookup by SKU: no ``productSizes(where: {SKU})``).
"""

import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

# A SKU not seen for this long has left the catalogue (the feed writer runs at least daily).
RETENTION_SECONDS = 7 * 24 * 3600


class SkuCatalogue(Protocol):
    def sells(self, sku: str, market_id: str) -> bool: ...


class DynamoSkuCatalogue:
    def __init__(self, client: Any, table_name: str, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    def sells(self, sku: str, market_id: str) -> bool:
        item = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": f"catalogue#{sku}"}, "sk": {"S": f"market#{market_id}"}},
            ConsistentRead=False,
        ).get("Item")
        return item is not None and int(item["expiration"]["N"]) > self._clock()

    def record(self, market_id: str, skus: Iterable[str]) -> int:
        """Note every SKU sold in ``market_id`` now; return how many were written."""
        expires = str(int(self._clock()) + RETENTION_SECONDS)
        written = 0
        requests = [
            {
                "PutRequest": {
                    "Item": {
                        "pk": {"S": f"catalogue#{sku}"},
                        "sk": {"S": f"market#{market_id}"},
                        "expiration": {"N": expires},
                    }
                }
            }
            for sku in sorted(set(skus))
        ]
        for start in range(0, len(requests), 25):  # BatchWriteItem's limit
            pending = {self._table: requests[start : start + 25]}
            while pending:
                answer = self._client.batch_write_item(RequestItems=pending)
                pending = answer.get("UnprocessedItems") or {}
            written += len(requests[start : start + 25])
        return written
