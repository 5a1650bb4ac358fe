"""One route per change: the webhook and the events poller report most changes, only one of them is routed.

The router decides from the object's current state (``engage_bridge.router``), so a read that started after a
change happened has routed that change. Each ingest message says by when its change happened at the latest
(``IngestEvent.changed_by``, this stack's clock); the mark ``route#<object type>#<id>`` / ``route`` remembers when
the last read of that object started (``covered_ms``) and which report took it (``claim_by``: the ingest
message's SQS id, the same on every delivery of that message; two reports of one change are two messages). A
message whose change happened before that is covered: it is skipped with no Centra read and no handler message.

The mark is looked at first (an eventually consistent read, a tenth of a write's price): a covered report stops
there. Otherwise it is taken before the read with one conditional write, which sets ``covered_ms`` to when the
read starts: one write per routed change, nothing written after the messages are queued. That report answers
for the change from then on:

- a routing that fails (Centra, SQS, a bug) gives the mark back as it was (``release``, the old values returned
  by the taking write) and its message is retried; a change Centra could not return (the object was not found)
  is given back too, so the change's other report still routes (a deletion is also never skipped by a mark:
  the router routes every report that says DELETED, as an erasure is decided from the report's own change type);
- a routing that dies after taking the mark leaves it standing, and its message comes back after the ingest
  queue's visibility timeout (360 s): a mark taken by the same report is taken again (``claim_by``), so the change
  is routed then. Other reports of the change are skipped meanwhile: that message answers for it, and after its
  last receive it is in the ingest DLQ, where a redrive routes it (a redriven message, under a new id, is routed
  whatever the mark says: ``engage_bridge.router``);
- a second delivery of a message that did route routes again (Centra read again, handler messages again): rare
  (an SQS duplicate), and every handler deduplicates on its business key.

In Lambda the router looks at the marks of a whole batch of ingest messages at once (``look_ahead``: one eventually
consistent ``BatchGetItem`` of up to ten keys, the same half read unit per key as ten ``GetItem`` calls, one call
instead of ten), and a report the look shows covered stops there. What the invocation then does to a mark it keeps
in that look:

- a mark it took covers every other report of the batch that names the object, whatever its ``changed_by``: each
  of them was queued before the invocation began, so its change happened before the take, and the read that
  follows the take covers it. One write per object a batch routes, not one per report (the poller's events say
  ``createdAt`` + 2 s, often later than the take, and each took the mark again: 21 of 223 takes in a bench run);
- a mark it gave back, or a write it was refused, is looked at again (the batch's later reports of the object read
  the mark and take it themselves).

A report the look does not show covered writes at once while the look is under ``RECENT_LOOK_SECONDS`` old (the
takes ``read_ahead`` makes right after it); later it reads its mark once more before writing, as the look may be
older than another container's take: without that read the bench refused 52 takes in a run instead of 1 to 5
when each record took its mark at its own turn (docs/decision-log.md, 2026-12-07).

The events poller looks before it queues (``DynamoRouteMarks.covered``: one eventually consistent ``BatchGetItem``
of up to 100 keys a call for a page of events, with the same key and rule, ``marked_change`` and ``covers``): an
event whose change a read already covers is confirmed to Centra and not queued, as the router would skip its
report. Deployed, the poller runs a minute apart, long after the webhook path routed the change, so nearly every
event is such a report; each would cost a send, a receive, a delete, a share of a router invocation and this same
read. A look that fails, or a key DynamoDB leaves unprocessed, queues the event (the router decides then).

The mark expires (DynamoDB TTL) after ``KEEP_SECONDS``; a report arriving later is routed again, which is safe,
as every route is (the ledger and the handlers' idempotency keep effects single).
"""

import time
from collections.abc import Callable, Iterable
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError
from msgspec import Struct

from engage_bridge.conditional_writes import refused, written

if TYPE_CHECKING:
    from engage_bridge.messages import IngestEvent

# How much later than Centra's ``createdAt`` of an event its change may have happened, on this stack's clock:
# ``createdAt`` has whole seconds (``Y-m-d\TH:i:sP``, centra-api.md S11), plus one second for the two clocks
# (both NTP-synchronised). The webhook receiver holds its messages back as long (``WEBHOOK_DELAY_SECONDS``), so
# the read a webhook starts always covers the same change's event, whatever the truncation.
CHANGE_TIME_ALLOWANCE_SECONDS = 2
WEBHOOK_DELAY_SECONDS = CHANGE_TIME_ALLOWANCE_SECONDS
KEEP_SECONDS = 24 * 3600  # the poller's events and Centra's webhook retries arrive within minutes
_SORT_KEY = "route"
_PREFIX = "route#"
# A look this recent is not read again before a take: ``read_ahead`` takes a batch's marks right after its look.
RECENT_LOOK_SECONDS = 1.0
_BATCH_GET_KEYS = 100  # DynamoDB BatchGetItem's limit per request
# Reports of changes both the webhook and the poller report: the objects Centra's webhook sends (centra-api.md §3.1,
# S6; ``ingress.webhook``). A newsletter subscription comes by the poller alone, so its mark (a write) would only
# guard against an event Centra hands out again, which routes as any redelivery does (its contact upsert is
# deduplicated on its content); a stock change carries its levels and reads nothing.
MARKED: frozenset[str] = frozenset({"order", "shipment", "return", "customer"})


class Verdict(Enum):
    ROUTE = "route"  # the mark is this report's: read and route
    COVERED = "covered"  # a read that started after the change was taken by another report: nothing to do


class Claim(Struct, frozen=True):
    """A mark taken for a read starting at ``read_from_ms``, with what it replaced (to give it back)."""

    object_key: str
    read_from_ms: int
    report: str
    previous_ms: int | None = None
    previous_report: str | None = None


class RouteMarks(Protocol):
    def take(self, object_key: str, changed_by_ms: int, report: str) -> tuple[Verdict, Claim | None]:
        """Mark ``object_key`` covered by a read starting now, unless a read another report took started after
        ``changed_by_ms`` (COVERED). ``report`` names the ingest message: its own mark it takes again."""
        ...

    def release(self, claim: Claim) -> None:
        """The claimed read routed nothing durable: give the mark back so the next report routes at once."""
        ...

    def look_ahead(self, object_keys: Iterable[str]) -> None:
        """Look at the marks of one invocation's reports at once, for its ``take`` calls (replacing any earlier
        look: what an earlier invocation saw or took is not kept). Called at the start of every invocation whose
        takes follow it: a mark the invocation takes covers the batch's other reports of the object."""
        ...


def marked_change(event: "IngestEvent") -> tuple[str, int] | None:
    """The mark that decides a report: its object key and when its change happened at the latest (ms); None for a
    report routed whatever the marks say (an object type not marked, no ``changed_by``, a deletion)."""
    if event.changed_by is None or event.object_type not in MARKED or is_deletion(event):
        return None
    return f"{event.object_type}#{event.object_id}", int(event.changed_by.timestamp() * 1000)


def is_deletion(event: "IngestEvent") -> bool:
    """A report of a deletion: routed whatever the mark says, as Centra's read cannot tell what was deleted and an
    erasure is decided from the report's own change type (a concurrent report's mark must never skip it)."""
    return (event.change or "").upper() == "DELETED"


def covers(covered_ms: int, changed_by_ms: int) -> bool:
    """A read that started at ``covered_ms`` has routed a change that happened by ``changed_by_ms``."""
    return covered_ms >= changed_by_ms


def _covers(look: tuple[int, str | None], changed_by_ms: int, report: str) -> bool:
    """A read another report took started after the change (a report's own mark never covers it)."""
    covered_ms, by = look
    return covers(covered_ms, changed_by_ms) and by != report


def mark_key(object_key: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"{_PREFIX}{object_key}"}, "sk": {"S": _SORT_KEY}}


class DynamoRouteMarks:
    """``RouteMarks`` on the stack's state table: a read to look, one conditional write to take the mark."""

    def __init__(self, client: Any, table_name: str, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock
        # This invocation's look at its marks (look_ahead): when the last read started and which report took it.
        self._looks: dict[str, tuple[int, str | None]] = {}
        # The marks this invocation took for its looked-at objects, and the report that took each: it covers the batch.
        self._taken: dict[str, str] = {}
        self._looked_at = 0.0  # when (``clock``) the look was made

    def look_ahead(self, object_keys: Iterable[str]) -> None:
        self._taken, self._looked_at = {}, self._clock()
        self._looks = self._read(object_keys)

    def take(self, object_key: str, changed_by_ms: int, report: str) -> tuple[Verdict, Claim | None]:
        if self._taken.get(object_key, report) != report:
            return Verdict.COVERED, None  # another report of the batch took the mark: its read covers this change
        looked = self._looks.get(object_key)
        if looked is not None and _covers(looked, changed_by_ms, report):
            return Verdict.COVERED, None  # the batch's look covers the change
        # The mark itself, just before the write, unless the look is that recent: an older look may predate another
        # container's take, and a refused write is billed ten times this read.
        recent = looked is not None and self._clock() - self._looked_at < RECENT_LOOK_SECONDS
        fresh = looked if recent and looked is not None else self._covered(object_key)
        if _covers(fresh, changed_by_ms, report):
            if looked is not None:
                self._looks[object_key] = fresh
            return Verdict.COVERED, None
        now_ms = int(self._clock() * 1000)
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key=mark_key(object_key),
                UpdateExpression="SET covered_ms = :now, claim_by = :me, expiration = :expiration",
                # Not covered by a read that started after the change, or covered by this report's own read.
                ConditionExpression="attribute_not_exists(covered_ms) OR covered_ms < :changed_by OR claim_by = :me",
                ExpressionAttributeValues={
                    ":now": {"N": str(now_ms)},
                    ":me": {"S": report},
                    ":expiration": {"N": str(now_ms // 1000 + KEEP_SECONDS)},
                    ":changed_by": {"N": str(changed_by_ms)},
                },
                ReturnValues="UPDATED_OLD",
            )
        except ClientError as error:
            self._looks.pop(object_key, None)  # not what the look said: the next report reads the mark itself
            self._taken.pop(object_key, None)
            if not refused(error):
                raise
            return Verdict.COVERED, None
        if looked is not None:
            self._looks[object_key] = (now_ms, report)
            self._taken[object_key] = report  # this read covers the batch's later reports of the object
        old = answer.get("Attributes") or {}
        previous = int(old["covered_ms"]["N"]) if "covered_ms" in old else None
        previous_report = old["claim_by"]["S"] if "claim_by" in old else None
        return Verdict.ROUTE, Claim(object_key, now_ms, report, previous, previous_report)

    def covered(self, changes: Iterable[tuple[str, int]]) -> frozenset[tuple[str, int]]:
        """Those of ``changes`` (``marked_change``: object key, changed by ms) a read some report took covers, by
        eventually consistent ``BatchGetItem`` calls of up to 100 keys: for a report not queued yet (the events
        poller), which no mark can name. A key DynamoDB left unprocessed is not covered; an error raises.
        Touches nothing ``take`` uses."""
        wanted = list(dict.fromkeys(changes))
        looks = self._read(key for key, _ in wanted)
        return frozenset(change for change in wanted if change[0] in looks and covers(looks[change[0]][0], change[1]))

    def _read(self, object_keys: Iterable[str]) -> dict[str, tuple[int, str | None]]:
        """The marks of ``object_keys`` (each once), ``_BATCH_GET_KEYS`` to a ``BatchGetItem``."""
        wanted = list(dict.fromkeys(object_keys))
        looks: dict[str, tuple[int, str | None]] = {}
        for start in range(0, len(wanted), _BATCH_GET_KEYS):
            looks.update(self._batch_covered(wanted[start : start + _BATCH_GET_KEYS]))
        return looks

    def _batch_covered(self, object_keys: list[str]) -> dict[str, tuple[int, str | None]]:
        """``_covered`` for many marks in one eventually consistent ``BatchGetItem``; a key DynamoDB left
        unprocessed is left out (its ``take`` reads it alone)."""
        answer = self._client.batch_get_item(
            RequestItems={
                self._table: {
                    "Keys": [mark_key(key) for key in object_keys],
                    "ProjectionExpression": "pk, covered_ms, claim_by",
                    "ConsistentRead": False,
                }
            }
        )
        unprocessed = answer.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", [])
        looks: dict[str, tuple[int, str | None]] = dict.fromkeys(object_keys, (-1, None))
        for key in unprocessed:
            looks.pop(key["pk"]["S"].removeprefix(_PREFIX), None)
        for item in answer.get("Responses", {}).get(self._table, []):
            key = item["pk"]["S"].removeprefix(_PREFIX)
            if key in looks and "covered_ms" in item:
                looks[key] = (int(item["covered_ms"]["N"]), item.get("claim_by", {}).get("S"))
        return looks

    def _covered(self, object_key: str) -> tuple[int, str | None]:
        """When the last read of the object started and which report took it, by an eventually consistent read
        (-1: none known).

        A tenth of the refused write it saves a second report: a stale answer is at worst too old, and the
        conditional write after it decides.
        """
        item = self._client.get_item(
            TableName=self._table, Key=mark_key(object_key), ProjectionExpression="covered_ms, claim_by"
        ).get("Item")
        if not item or "covered_ms" not in item:
            return -1, None
        return int(item["covered_ms"]["N"]), item.get("claim_by", {}).get("S")

    def release(self, claim: Claim) -> None:
        """Put back what the mark held before this claim, if the mark is still this claim's."""
        self._looks.pop(claim.object_key, None)
        if self._taken.get(claim.object_key) == claim.report:
            del self._taken[claim.object_key]  # the batch's later reports of the object read the mark themselves
        values: dict[str, Any] = {":me": {"S": claim.report}, ":read_from": {"N": str(claim.read_from_ms)}}
        if claim.previous_ms is None:
            update = "REMOVE covered_ms, claim_by"
        elif claim.previous_report is None:
            update = "SET covered_ms = :previous REMOVE claim_by"
            values[":previous"] = {"N": str(claim.previous_ms)}
        else:
            update = "SET covered_ms = :previous, claim_by = :previous_report"
            values[":previous"] = {"N": str(claim.previous_ms)}
            values[":previous_report"] = {"S": claim.previous_report}
        written(
            lambda: self._client.update_item(
                TableName=self._table,
                Key=mark_key(claim.object_key),
                UpdateExpression=update,
                ConditionExpression="claim_by = :me AND covered_ms = :read_from",
                ExpressionAttributeValues=values,
            )
        )
