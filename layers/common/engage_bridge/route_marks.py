"""One route per change: the webhook and the events poller report most changes, only one of them is routed.

The router decides from the object's current state (``engage_bridge.router``), so a read that started after a
change happened has routed that change. Each ingest message says by when its change happened at the latest
(``IngestEvent.changed_by``, this stack's clock); the mark ``route#<object type>#<id>`` / ``route`` remembers when
the last completed read of that object started (``covered_ms``). A message whose change happened before that
is covered: it is skipped with no Centra read and no handler message.

The mark is looked at first (an eventually consistent read, a tenth of a write's price): a covered report stops
there. Otherwise it is taken before the read, with one conditional write, and has two parts:

- a claim (``claim_ms``, when the read starts, and ``claim_until_ms``, a lease): while a live claim covers a
  change, a second arrival of it is retried later (``RouteInProgress``) rather than routed beside it; it then
  finds the change covered, or the claim expired;
- ``covered_ms``: written only once the routed messages are on the handler queues.

So a routing attempt that dies after taking the claim loses nothing: its own message comes back after the
ingest queue's visibility timeout (360 s) and any other arrival after the lease (``LEASE_SECONDS``, more than the
router's 60 s timeout), and either takes the claim over; a routing that fails gives the claim back at once. A
change Centra could not return (the object was not found) is not marked covered: an erasure decided from the
event's own change type must still be routed when its other arrival comes.

The mark expires (DynamoDB TTL) after ``KEEP_SECONDS``; a report arriving later is routed again, which is safe,
as every route is (the ledger and the handlers' idempotency keep effects single).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from botocore.exceptions import ClientError

from engage_bridge.conditional_writes import refused, written
from engage_bridge.errors import BridgeError

# How much later than Centra's ``createdAt`` of an event its change may have happened, on this stack's clock:
# ``createdAt`` has whole seconds (``Y-m-d\TH:i:sP``, centra-api.md S11), plus one second for the two clocks
# (both NTP-synchronised). The webhook receiver holds its messages back as long (``WEBHOOK_DELAY_SECONDS``), so
# the read a webhook starts always covers the same change's event, whatever the truncation.
CHANGE_TIME_ALLOWANCE_SECONDS = 2
WEBHOOK_DELAY_SECONDS = CHANGE_TIME_ALLOWANCE_SECONDS
LEASE_SECONDS = 120  # above the router's timeout (template.yaml Globals: 60 s), below the queue's 360 s
KEEP_SECONDS = 24 * 3600  # the poller's events and Centra's webhook retries arrive within minutes
_SORT_KEY = "route"


class RouteInProgress(BridgeError):
    """Another invocation is routing the object right now, with a read that covers this change: try again later."""

    def __init__(self, object_key: str) -> None:
        super().__init__(f"{object_key} is being routed by another invocation")


class Verdict(Enum):
    ROUTE = "route"  # the claim is this invocation's: read and route
    COVERED = "covered"  # a completed read started after the change: nothing to do
    IN_PROGRESS = "in_progress"  # a live claim covers the change: retry later


@dataclass(frozen=True, slots=True)
class Claim:
    object_key: str
    read_from_ms: int


class RouteMarks(Protocol):
    def take(self, object_key: str, changed_by_ms: int) -> tuple[Verdict, Claim | None]:
        """Claim ``object_key`` for a read starting now, unless a read that started after ``changed_by_ms`` has
        routed it (COVERED) or is routing it (IN_PROGRESS)."""
        ...

    def routed(self, claim: Claim) -> None:
        """The claimed read's messages are queued: every change before its start is covered."""
        ...

    def release(self, claim: Claim) -> None:
        """The claimed read routed nothing durable: give the claim back so the next arrival routes at once."""
        ...


def mark_key(object_key: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"route#{object_key}"}, "sk": {"S": _SORT_KEY}}


class DynamoRouteMarks:
    """``RouteMarks`` on the stack's state table: a read to look, one conditional write to claim, one to complete."""

    def __init__(self, client: Any, table_name: str, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    def take(self, object_key: str, changed_by_ms: int) -> tuple[Verdict, Claim | None]:
        if self._covered(object_key) >= changed_by_ms:
            return Verdict.COVERED, None
        now_ms = int(self._clock() * 1000)
        try:
            self._client.update_item(
                TableName=self._table,
                Key=mark_key(object_key),
                UpdateExpression="SET claim_ms = :now, claim_until_ms = :until, expiration = :expiration",
                # Not covered by a completed read, and no live claim whose read covers the change either.
                ConditionExpression=(
                    "(attribute_not_exists(covered_ms) OR covered_ms < :changed_by)"
                    " AND (attribute_not_exists(claim_ms) OR claim_until_ms < :now OR claim_ms < :changed_by)"
                ),
                ExpressionAttributeValues={
                    ":now": {"N": str(now_ms)},
                    ":until": {"N": str(now_ms + LEASE_SECONDS * 1000)},
                    ":expiration": {"N": str(now_ms // 1000 + KEEP_SECONDS)},
                    ":changed_by": {"N": str(changed_by_ms)},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not refused(error):
                raise
            old: dict[str, dict[str, str]] = dict(error.response.get("Item") or {})  # type: ignore[call-overload]
            covered = int(old.get("covered_ms", {}).get("N", "-1"))
            return (Verdict.COVERED if covered >= changed_by_ms else Verdict.IN_PROGRESS), None
        return Verdict.ROUTE, Claim(object_key, now_ms)

    def _covered(self, object_key: str) -> int:
        """When the last completed read of the object started, by an eventually consistent read (-1: none known).

        A tenth of the refused write it saves a second report: ``covered_ms`` only grows, so a stale answer is at
        worst too old, and the conditional write after it decides.
        """
        item = self._client.get_item(
            TableName=self._table, Key=mark_key(object_key), ProjectionExpression="covered_ms"
        ).get("Item")
        return int(item["covered_ms"]["N"]) if item and "covered_ms" in item else -1

    def routed(self, claim: Claim) -> None:
        values = {":read_from": {"N": str(claim.read_from_ms)}}
        if written(
            lambda: self._client.update_item(
                TableName=self._table,
                Key=mark_key(claim.object_key),
                UpdateExpression="SET covered_ms = :read_from REMOVE claim_ms, claim_until_ms",
                ConditionExpression="claim_ms = :read_from",
                ExpressionAttributeValues=values,
            )
        ):
            return
        # A later arrival took the claim over (it expired, or this read started before that change): leave its
        # claim alone, and still record what this read covered unless a later read already did.
        self._update_if(
            claim,
            "SET covered_ms = :read_from",
            "attribute_exists(pk) AND (attribute_not_exists(covered_ms) OR covered_ms < :read_from)",
        )

    def release(self, claim: Claim) -> None:
        self._update_if(claim, "REMOVE claim_ms, claim_until_ms", "claim_ms = :read_from")

    def _update_if(self, claim: Claim, update: str, condition: str) -> None:
        written(
            lambda: self._client.update_item(
                TableName=self._table,
                Key=mark_key(claim.object_key),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeValues={":read_from": {"N": str(claim.read_from_ms)}},
            )
        )
