"""The state table: what was sent to Engage, cached contact ids, and the last stock level per SKU and market.

One DynamoDB table (``pk``/``sk``) holds every kind of record, each under its own key prefix:

- ``effect#<subject>`` / ``<effect>``: the ledger — one row per business effect (an e-mail for an order status
  and shipment, a receipt, a redemption, a contact write) with its state (sent, skipped, failed) and reason.
  It outlives Powertools idempotency records, so a message redriven weeks later still cannot e-mail twice,
  and it is what reconciliation compares with Centra.
  Next to it, ``resend#<effect>#<request id>``: an operator's resend of that effect (``engage-bridge resend``),
  with who asked, why, whether the ledger's "sent" was overridden, and what the handler then did.
- ``contact#<fingerprint>`` / ``type#<contact type>``: Engage contact id for an e-mail, expiring after 30 days; while
  the contact is being created, the same row holds the creator's claim (``creating_until``, and the SQS message
  that holds it, ``creating_by``).
- ``stock#<sku>`` / ``market#<id>``: last stock level sent, so unchanged or out-of-order levels are not resent.
- ``idempotency#<service>`` / ``<hash>``: Powertools idempotency records (written by Powertools itself), for
  messages whose business key has no ledger row of its own (an erasure, a customer without an id, an operator's
  resend). An order's e-mail or redemption is claimed on its ledger row instead (``LedgerClaims``): one
  record per effect, a claim before the send and the entry after it. A receipt's row is only looked at
  (``LedgerClaim.claim_before``): Engage ignores a repeated ``uniqueReceiptId``, so its entry after the send is its
  one write. A customer's or subscriber's contact write
  claims its row too, for its content (``LedgerClaim.version``): the entry keeps the versions written and when,
  so a copy of one written within the idempotency window (``consumer.IDEMPOTENCY_SECONDS``, the 24 hours a
  Powertools record lived) is a duplicate, and a changed customer, or one changed back after the window, is a
  write of its own. A stock level and a preference change keep
  no record of their own beyond their business records (the stock level; the opt-out kept).

Other modules keep their own records here too: ``route#<type>#<id>`` (``route_marks``: one write per routed
change), ``engage-budget`` / ``<epoch second>`` (``engage.budget``: the stack's Engage slots, one lease write per
booking), the consent records and the dead-letter marks.

E-mails are stored only as SHA-256 fingerprints: the table never needs the address back.
"""

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from datetime import datetime
from typing import Any, Literal, Protocol

from botocore.exceptions import ClientError
from msgspec import Struct

from engage_bridge.conditional_writes import refused, written

EffectState = Literal["sent", "skipped", "failed"]
StockChange = Literal["changed", "unchanged", "stale"]

CONTACT_CACHE_SECONDS = 30 * 24 * 3600
# Long enough for a lookup and a create; a claim left by a crashed invocation blocks others only this long.
CONTACT_CLAIM_SECONDS = 120
# Ledger subject of every erasure reported for a person to act on (effects.erasure): effect#erasures / customer#<id>.
# Here, so reconciliation lists them without loading the contact handler.
REPORTED_ERASURES = "erasures"
# Versions a ledger row remembers (``DynamoStateStore.record``): 16 fingerprints and their times keep a contact's
# row one write unit (the map at most 16 x (20-character name + 6-byte epoch second + 1) + 3 bytes; a full row with
# the longest key is 632 bytes, tests/unit/test_state.py).
LEDGER_VERSIONS = 16
_BATCH_GET_KEYS = 100  # DynamoDB BatchGetItem's limit per request
_BATCH_GET_ATTEMPTS = 8


class Effect(Struct, frozen=True):
    """One business effect: ``subject`` is what it is about (``order#2348981``), ``name`` which effect."""

    subject: str
    name: str


class LedgerEntry(Struct, frozen=True):
    effect: Effect
    state: EffectState
    reason: str
    at: str


class StateStore(Protocol):
    """What handlers need from the state table; tests may substitute an in-memory fake."""

    def ledger_entry(self, effect: Effect, *, consistent: bool = True) -> LedgerEntry | None: ...

    def record(self, effect: Effect, state: EffectState, reason: str, *, version: str | None = None) -> bool: ...

    def cached_contact_id(self, email: str, contact_type: str) -> str | None: ...

    def cache_contact_id(self, email: str, contact_type: str, contact_id: str) -> None: ...

    def forget_contact_id(self, email: str, contact_type: str) -> None: ...

    def claim_contact_creation(self, email: str, contact_type: str, owner: str | None = None) -> bool: ...

    def release_contact_creation(self, email: str, contact_type: str, owner: str | None = None) -> None: ...

    def compare_stock(self, sku: str, market_id: str, quantity: int, event_time: datetime) -> StockChange: ...

    def commit_stock(self, sku: str, market_id: str, quantity: int, event_time: datetime) -> None: ...


class ResendLedger(Protocol):
    """Where a handler records what it did with an operator's resend (``engage-bridge resend``)."""

    def record_resend_outcome(self, row: Effect, state: EffectState, reason: str) -> None: ...


def email_key(email: str) -> str:
    return hashlib.sha256(email.strip().casefold().encode("utf-8")).hexdigest()


class DynamoStateStore:
    """``StateStore`` on the stack's DynamoDB table, through a low-level boto3 client."""

    def __init__(self, client: Any, table_name: str, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    def ledger_entry(self, effect: Effect, *, consistent: bool = True) -> LedgerEntry | None:
        """The effect's entry; ``consistent=False`` reads half a unit and may miss a write of the last second."""
        item = self._get(f"effect#{effect.subject}", effect.name, consistent=consistent)
        return None if item is None else _entry(effect, item)

    def ledger_entries(self, effects: Iterable[Effect], *, consistent: bool = True) -> dict[Effect, LedgerEntry]:
        """The ledger rows of many effects, 100 per BatchGetItem; absent effects are left out.

        Reconciliation reads them strongly consistent; the router reads a decision's candidate effects in one
        eventually consistent batch (``consistent=False``: half a read unit per key; see ``engage_bridge.router``).
        Not on ``StateStore``: handlers read one effect at a time; reconciliation and the router declare their own
        Protocols.
        """
        wanted = {(f"effect#{e.subject}", e.name): e for e in effects}
        keys = list(wanted)
        found: dict[Effect, LedgerEntry] = {}
        for start in range(0, len(keys), _BATCH_GET_KEYS):
            for item in self._batch_get(keys[start : start + _BATCH_GET_KEYS], consistent=consistent):
                if "state" not in item:
                    continue  # only claimed so far: nothing recorded
                effect = wanted[(item["pk"]["S"], item["sk"]["S"])]
                found[effect] = LedgerEntry(effect, item["state"]["S"], item["reason"]["S"], item["at"]["S"])
        return found

    def ledger_rows(self, subject: str) -> list[LedgerEntry]:
        """Every ledger row of one subject (``erasures``: each reported erasure), for reconciliation."""
        rows: list[LedgerEntry] = []
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"effect#{subject}"}},
            "ConsistentRead": True,
        }
        while True:
            answer = self._client.query(**request)
            for item in answer.get("Items", []):
                if "state" not in item:
                    continue  # only claimed so far: nothing recorded
                effect = Effect(subject, item["sk"]["S"])
                rows.append(LedgerEntry(effect, item["state"]["S"], item["reason"]["S"], item["at"]["S"]))
            if "LastEvaluatedKey" not in answer:
                return rows
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def confirm(self, effect: Effect, reason: str) -> bool:
        """Replace a sent effect's reason (a receipt Engage accepted is now seen imported); False if it is not sent.

        Not on ``StateStore``: only reconciliation learns this, after reading Engage back.
        """
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"effect#{effect.subject}"}, "sk": {"S": effect.name}},
                UpdateExpression="SET reason = :reason, confirmed_at = :at",
                ConditionExpression="#state = :sent",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":reason": {"S": reason},
                    ":at": {"S": _iso(self._clock())},
                    ":sent": {"S": "sent"},
                },
            )
        except ClientError as error:
            if not refused(error):
                raise
            return False
        return True

    def record(self, effect: Effect, state: EffectState, reason: str, *, version: str | None = None) -> bool:
        """Write the effect's ledger entry, which ends any claim on its row; False if the row already said sent
        (then nothing changed: a copy that got past an unclaimed row's look, ``LedgerClaim.claim_before``).

        ``version``: the effect is applied once per version (a contact write per content, ``LedgerClaim``), so the
        entry keeps the version and the time it was written among the row's ``versions``, and its claim answers a
        copy of it as sent within the claim's window.
        """
        if version is not None:
            self._record_version(effect, reason, version)
            return True
        # "sent" is final: a later skip or failure for the same effect must never hide that it went out.
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": f"effect#{effect.subject}"},
                    "sk": {"S": effect.name},
                    "state": {"S": state},
                    "reason": {"S": reason},
                    "at": {"S": _iso(self._clock())},
                },
                # A row holding only a claim (``LedgerClaims``) has no state yet: comparing a missing attribute
                # is false in DynamoDB, so it is named on its own.
                ConditionExpression="attribute_not_exists(pk) OR attribute_not_exists(#state) OR #state <> :sent",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":sent": {"S": "sent"}},
            )
        except ClientError as error:
            if not refused(error):
                raise
            return False
        return True

    def _record_version(self, effect: Effect, reason: str, version: str) -> None:
        """A version sent: the row's entry and its versions, the claim removed, in one ``UpdateItem``.

        The versions are a map of at most ``LEDGER_VERSIONS`` fingerprints to the epoch second each was written,
        so the row stays one write unit; a full map starts again from this version (a copy of a version that old is
        long gone from the queues), and so does a row without a map: ``LedgerClaims.claim`` starts one, so a new
        version is one write here, and a row that kept its versions as a string set (before the map) gets one.
        """

        def write(expression: str, condition: str | None, names: dict[str, str], values: dict[str, Any]) -> None:
            request: dict[str, Any] = {
                "TableName": self._table,
                "Key": _ledger_key(effect),
                "UpdateExpression": f"SET #state = :sent, reason = :reason, #at = :at, {expression} "
                "REMOVE claim_id, claim_expiry",
                "ExpressionAttributeNames": {"#state": "state", "#at": "at", **names},
                "ExpressionAttributeValues": {
                    ":sent": {"S": "sent"},
                    ":reason": {"S": reason},
                    ":at": {"S": _iso(now)},
                    **values,
                },
            }
            if condition is not None:
                request["ConditionExpression"] = condition
            self._client.update_item(**request)

        now = self._clock()
        written_at = {"N": str(int(now))}
        try:
            write(
                "versions.#v = :written",
                "attribute_type(versions, :map) AND (size(versions) < :most OR attribute_exists(versions.#v))",
                {"#v": version},
                {":written": written_at, ":map": {"S": "M"}, ":most": {"N": str(LEDGER_VERSIONS)}},
            )
        except ClientError as error:
            if not refused(error):
                raise
            write("versions = :versions", None, {}, {":versions": {"M": {version: written_at}}})

    def record_resend_request(self, row: Effect, *, requested_by: str, reason: str, forced: bool) -> None:
        """Write who asked for a resend and why, before the message is queued (the audit trail of a force)."""
        self._client.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"effect#{row.subject}"},
                "sk": {"S": row.name},
                "state": {"S": "requested"},
                "requested_by": {"S": requested_by},
                "why": {"S": reason},
                "forced": {"BOOL": forced},
                "at": {"S": _iso(self._clock())},
            },
        )

    def record_resend_outcome(self, row: Effect, state: EffectState, reason: str) -> None:
        """What the handler did with a resend, on the row the request wrote."""
        self._client.update_item(
            TableName=self._table,
            Key={"pk": {"S": f"effect#{row.subject}"}, "sk": {"S": row.name}},
            UpdateExpression="SET #state = :state, reason = :reason, done_at = :at",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":state": {"S": state},
                ":reason": {"S": reason},
                ":at": {"S": _iso(self._clock())},
            },
        )

    def resend_row(self, row: Effect) -> dict[str, str | bool] | None:
        """A resend row as written, for the CLI and the tests."""
        item = self._get(f"effect#{row.subject}", row.name)
        if item is None:
            return None
        return {name: next(iter(value.values())) for name, value in item.items() if name not in {"pk", "sk"}}

    def cached_contact_id(self, email: str, contact_type: str) -> str | None:
        item = self._get(f"contact#{email_key(email)}", f"type#{contact_type}")
        if item is None or "contact_id" not in item or int(item["expiration"]["N"]) <= self._clock():
            return None  # absent, only claimed for creation so far, or expired
        contact_id: str = item["contact_id"]["S"]
        return contact_id

    def cache_contact_id(self, email: str, contact_type: str, contact_id: str) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"contact#{email_key(email)}"},
                "sk": {"S": f"type#{contact_type}"},
                "contact_id": {"S": contact_id},
                "expiration": {"N": str(int(self._clock()) + CONTACT_CACHE_SECONDS)},
            },
        )

    def forget_contact_id(self, email: str, contact_type: str) -> None:
        self._client.delete_item(
            TableName=self._table, Key={"pk": {"S": f"contact#{email_key(email)}"}, "sk": {"S": f"type#{contact_type}"}}
        )

    def claim_contact_creation(self, email: str, contact_type: str, owner: str | None = None) -> bool:
        """Take the right to create this contact; False while another invocation holds it, or once its id is cached.

        Two handlers can see "no such contact" at once (a customer event and that customer's first order);
        Engage would create both. The claim is a conditional write on the contact's cache row itself, so exactly one
        of them creates, and the claim also checks that no one cached the contact since the caller looked (whoever
        held it before may have just finished): no second read. ``cache_contact_id`` replaces the row, ending it.

        ``owner`` (the SQS message id, ``delivery.current_delivery``) names who holds it: a claim kept after a create
        whose outcome is unknown (``ContactDirectory``) is taken again by that message's redelivery, and by no
        other message until it expires. Without an owner only an expired claim is taken again. Still one write: an
        expired cached id the claim replaces is dropped (nothing reads it), and the row expires with the claim (the
        table's TTL), renewed by each taking.
        """
        now = int(self._clock())
        values = {":now": {"N": str(now)}, ":until": {"N": str(now + CONTACT_CLAIM_SECONDS)}}
        free = "attribute_not_exists(creating_until) OR creating_until <= :now"
        if owner is None:
            update = "SET creating_until = :until, expiration = :until REMOVE contact_id, creating_by"
        else:
            update = "SET creating_until = :until, expiration = :until, creating_by = :owner REMOVE contact_id"
            free += " OR creating_by = :owner"
            values[":owner"] = {"S": owner}
        return written(
            lambda: self._client.update_item(
                TableName=self._table,
                Key=_contact_key(email, contact_type),
                UpdateExpression=update,
                ConditionExpression=f"(attribute_not_exists(contact_id) OR expiration <= :now) AND ({free})",
                ExpressionAttributeValues=values,
            )
        )

    def release_contact_creation(self, email: str, contact_type: str, owner: str | None = None) -> None:
        """Give the claim back after a create that certainly did not happen, so the retry (which looks up first)
        need not wait it out: delete the row, which holds only the claim (taking it dropped any expired id). Only
        ``owner``'s claim: one that expired meanwhile and was taken by another message stays, and so does a row
        someone has cached the id in since (``cache_contact_id`` replaced the claim)."""
        mine = "attribute_not_exists(creating_by)" if owner is None else "creating_by = :owner"
        extra = {} if owner is None else {"ExpressionAttributeValues": {":owner": {"S": owner}}}
        written(
            lambda: self._client.delete_item(
                TableName=self._table,
                Key=_contact_key(email, contact_type),
                ConditionExpression=f"attribute_not_exists(contact_id) AND {mine}",
                **extra,
            )
        )

    def compare_stock(self, sku: str, market_id: str, quantity: int, event_time: datetime) -> StockChange:
        """How a level relates to the last one sent: newer and different, newer but equal, or older."""
        item = self._get(f"stock#{sku}", f"market#{market_id}")
        if item is None:
            return "changed"
        if float(item["event_time"]["N"]) >= event_time.timestamp():
            return "stale"
        return "unchanged" if int(item["quantity"]["N"]) == quantity else "changed"

    def commit_stock(self, sku: str, market_id: str, quantity: int, event_time: datetime) -> None:
        """Remember a level as sent, unless a newer one was committed meanwhile. Call only after Engage accepted it."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"stock#{sku}"}, "sk": {"S": f"market#{market_id}"}},
                UpdateExpression="SET quantity = :quantity, event_time = :stamp",
                ConditionExpression="attribute_not_exists(event_time) OR event_time < :stamp",
                ExpressionAttributeValues={
                    ":quantity": {"N": str(quantity)},
                    ":stamp": {"N": repr(event_time.timestamp())},
                },
            )
        except ClientError as error:
            if not refused(error):
                raise

    def _batch_get(self, keys: list[tuple[str, str]], *, consistent: bool = True) -> list[Mapping[str, Any]]:
        """Every item of ``keys`` that exists, asking again for what DynamoDB left unprocessed (throttling)."""
        request: dict[str, Any] = {
            self._table: {
                "Keys": [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys],
                "ConsistentRead": consistent,
            }
        }
        items: list[Mapping[str, Any]] = []
        for attempt in range(_BATCH_GET_ATTEMPTS):
            answer = self._client.batch_get_item(RequestItems=request)
            items.extend(answer.get("Responses", {}).get(self._table, []))
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                return items
            time.sleep(min(0.05 * 2**attempt, 1.0))
        raise LedgerReadIncomplete(len(request[self._table]["Keys"]))

    def _get(self, pk: str, sk: str, *, consistent: bool = True) -> Mapping[str, Any] | None:
        item: Mapping[str, Any] | None = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=consistent
        ).get("Item")
        return item


class LedgerReadIncomplete(Exception):
    """DynamoDB kept leaving keys unprocessed: a partial read would report sent effects as missing."""

    def __init__(self, unprocessed: int) -> None:
        super().__init__(f"{unprocessed} ledger key(s) still unprocessed after {_BATCH_GET_ATTEMPTS} attempts")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).astimezone().isoformat(timespec="seconds")


class LedgerClaim(Struct, frozen=True):
    """The ledger row a message claims before its effect runs (``LedgerClaims``).

    ``version`` None: the effect happens once (an e-mail, a receipt, a redemption), and a row that says sent
    answers every copy. A version (a contact write's content fingerprint): the effect happens once per version,
    and only a row that lists this version among its ``versions``, written within the claim's window, answers a
    copy as sent.
    """

    effect: Effect
    version: str | None = None
    # False: the row is looked at, never claimed; the effect's entry, written after the send, is its only write.
    # For an effect Engage itself deduplicates (a receipt's ``uniqueReceiptId``), so a copy the look cannot stop
    # (one in flight at the same time, or a stale look) sends again harmlessly and its entry is refused.
    claim_before: bool = True


ClaimAnswer = Literal["claimed", "sent", "held"]


class ClaimedRow(Struct, frozen=True):
    """A ledger row this invocation claimed, and the entry it held when taken (``before``; None if none).

    The claim's write refuses a sent row and returns the row it replaced, so the effect needs no read of its own
    row: ``before`` is unsent (absent, failed or skipped), and it is what the row said at the claim.
    """

    effect: Effect
    before: "LedgerEntry | None"


# Set by the consumer while the effect of a claimed row runs (``effects.services.Services``).
claimed_row: ContextVar[ClaimedRow | None] = ContextVar("claimed_row", default=None)


class LedgerClaims:
    """The ledger row of an effect, claimed before the effect runs: the claim and the ledger in one item.

    ``claim`` is one conditional ``UpdateItem``: it takes the row unless the effect is sent (then it answers
    ``sent``: the message is a duplicate) or another message holds an unexpired claim (``held``: retry later).
    It looks first, with an eventually consistent read (a tenth of a write's price): a refused write is billed as a
    write, and a duplicate copy of an effect (routed again while the first was queued) or a copy waiting for the
    claimant is answered by the read alone. A stale read only lets the write through to decide.
    The same message taking it again (redelivered after a crash) is allowed. The effect's ``record`` then replaces
    the item with the ledger entry, which ends the claim; ``release`` gives back a claim whose effect did not send
    (a failure, a skip), deleting a row that holds nothing else. A claim expires with the invocation that took it,
    as Powertools' in-progress records do, so a crash blocks the effect no longer than that. The claim's write
    returns the row it took (``claim_entry``), so the effect knows its entry (unsent) without reading it again.

    With a ``version`` (a contact write's content) "sent" means that version is among the row's ``versions``
    (``DynamoStateStore.record``), written no more than ``window`` seconds ago: a copy of a written content is a
    duplicate, another content claims the row anew, and while one content is being written another waits
    (``held``), so a customer's writes never overlap. The window is the one a Powertools record kept (the consumer
    passes ``IDEMPOTENCY_SECONDS``): content changed A, B, then A again after it is written again, or Engage would
    keep B; within it, a late copy of A is a duplicate, as it was for Powertools. A row whose ``versions`` is a
    string set (written before the map) has no version sent.
    """

    def __init__(self, client: Any, table_name: str, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    def claim(
        self,
        effect: Effect,
        message_id: str,
        seconds: float,
        version: str | None = None,
        *,
        window: float | None = None,
    ) -> ClaimAnswer:
        """Claim the effect for ``seconds``; with a ``version``, a copy of it written within ``window`` is sent."""
        answer, _ = self.claim_entry(effect, message_id, seconds, version, window=window)
        return answer

    def claim_entry(
        self,
        effect: Effect,
        message_id: str,
        seconds: float,
        version: str | None = None,
        *,
        window: float | None = None,
    ) -> tuple[ClaimAnswer, LedgerEntry | None]:
        """``claim``, and on ``claimed`` the ledger entry the row held when taken (None if none), from the
        claim's own write (``ALL_OLD``: no read unit)."""
        if version is not None and window is None:
            raise ValueError("a versioned claim needs the window its versions answer copies for")
        now = self._clock()
        since = now - (window or 0.0)
        seen = self._look(effect)
        if _sent(seen, version, since):
            return "sent", None
        holder, expiry = seen.get("claim_id", {}).get("S"), float(seen.get("claim_expiry", {}).get("N", "0"))
        if holder is not None and holder != message_id and expiry >= now:
            return "held", None
        values: dict[str, Any] = {
            ":me": {"S": message_id},
            ":until": {"N": repr(now + seconds)},
            ":now": {"N": repr(now)},
        }
        take = "SET claim_id = :me, claim_expiry = :until"
        if version is None:
            unsent = "(attribute_not_exists(#state) OR #state <> :sent)"
            names = {"#state": "state"}
            values[":sent"] = {"S": "sent"}
        else:
            # Not sent: no map (none yet, or the string set before it), the version not in it, or written too long
            # ago. The claim starts an empty map, so the entry (``_record_version``) adds to it in one write.
            unsent = "(NOT attribute_type(versions, :map) OR attribute_not_exists(versions.#v) OR versions.#v < :since)"
            names = {"#v": version}
            values |= {":map": {"S": "M"}, ":since": {"N": repr(since)}, ":none": {"M": {}}}
            take += ", versions = if_not_exists(versions, :none)"
        try:
            taken = self._client.update_item(
                TableName=self._table,
                Key=_ledger_key(effect),
                UpdateExpression=take,
                ConditionExpression=(
                    f"attribute_not_exists(pk) OR ({unsent}"
                    " AND (attribute_not_exists(claim_id) OR claim_expiry < :now OR claim_id = :me))"
                ),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_OLD",  # the entry the claim replaces, for the effect (no read unit)
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not refused(error):
                raise
            old: Mapping[str, Any] | None = error.response.get("Item")  # type: ignore[assignment]
            if old is None:  # not returned (an emulator): read it
                old = self._get_item(effect)
            return ("sent" if _sent(old, version, since) else "held"), None
        return "claimed", _entry(effect, taken.get("Attributes", {}))

    def look(self, effect: Effect, message_id: str) -> tuple[Literal["unsent", "sent", "held"], LedgerEntry | None]:
        """What the row says, without claiming it (``LedgerClaim.claim_before`` False): ``sent``, ``held`` by an
        unexpired claim of another message (one taken by a claiming copy, e.g. during a deploy), or ``unsent``
        with its entry (failed, skipped, or None). One eventually consistent read: a stale one at worst lets a
        copy send again, which the effect must tolerate (Engage deduplicates it)."""
        seen = self._look(effect)
        if _sent(seen, None, 0.0):
            return "sent", None
        holder, expiry = seen.get("claim_id", {}).get("S"), float(seen.get("claim_expiry", {}).get("N", "0"))
        if holder is not None and holder != message_id and expiry >= self._clock():
            return "held", None
        return "unsent", _entry(effect, seen)

    def _look(self, effect: Effect) -> Mapping[str, Any]:
        """The row's state, versions and claim as an eventually consistent read sees them (half a read unit)."""
        answer = self._client.get_item(
            TableName=self._table,
            Key=_ledger_key(effect),
            ProjectionExpression="#state, reason, #at, versions, claim_id, claim_expiry",
            ExpressionAttributeNames={"#state": "state", "#at": "at"},
        )
        item: Mapping[str, Any] = answer.get("Item", {})
        return item

    def _get_item(self, effect: Effect) -> Mapping[str, Any]:
        answer = self._client.get_item(TableName=self._table, Key=_ledger_key(effect), ConsistentRead=True)
        item: Mapping[str, Any] = answer.get("Item", {})
        return item

    def release(self, effect: Effect, message_id: str) -> None:
        """Give back this message's claim: delete a row that is only the claim, else remove the claim from it."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=_ledger_key(effect),
                ConditionExpression="claim_id = :me AND attribute_not_exists(#state)",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":me": {"S": message_id}},
            )
            return
        except ClientError as error:
            if not refused(error):
                raise
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_ledger_key(effect),
                UpdateExpression="REMOVE claim_id, claim_expiry",
                ConditionExpression="claim_id = :me",
                ExpressionAttributeValues={":me": {"S": message_id}},
            )
        except ClientError as error:
            if not refused(error):
                raise  # the effect's record replaced the row (no claim left), or another message took it


def _entry(effect: Effect, item: Mapping[str, Any]) -> LedgerEntry | None:
    """The ledger entry a row holds; None for a row that is absent or only claimed (``LedgerClaims``) so far."""
    if "state" not in item:
        return None
    state: EffectState = item["state"]["S"]  # written only by record(), with its reason and time
    return LedgerEntry(effect, state, item.get("reason", {}).get("S", ""), item.get("at", {}).get("S", ""))


def _sent(item: Mapping[str, Any], version: str | None, since: float) -> bool:
    """The row says the effect went out (with a version: that version, at ``since`` or later)."""
    if version is None:
        return bool(item.get("state", {}).get("S") == "sent")
    written = item.get("versions", {}).get("M", {}).get(version)  # a string set (before the map): not sent
    return written is not None and float(written["N"]) >= since


def _contact_key(email: str, contact_type: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"contact#{email_key(email)}"}, "sk": {"S": f"type#{contact_type}"}}


def _ledger_key(effect: Effect) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"effect#{effect.subject}"}, "sk": {"S": effect.name}}
