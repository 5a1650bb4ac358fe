"""Consent in the state table: one row per address, keyed by the address's SHA-256 fingerprint (no PII in keys).

``consent#<fingerprint>`` / ``email`` holds the last opt-out the bridge knows of (``opted_out_at``, epoch seconds,
and where it came from: ``centra``, ``engage`` webhook, ``engage_changes`` feed, ``engage_contact`` read), the last
newsletter state Centra showed for the address, and when the bridge last wrote a yes. An opt-out only ever moves
``opted_out_at`` forward, so a late or replayed one cannot hide a newer one.
"""

import time
from collections.abc import Callable
from typing import Any, Protocol

from engage_bridge.conditional_writes import written
from engage_bridge.consent.rules import ConsentRecord, SignalKind
from engage_bridge.state import email_key

_SORT_KEY = "email"
_FLAG_ATTRIBUTE: dict[SignalKind, str] = {"subscription": "subscription_active", "customer": "customer_flag"}


class ConsentStore(Protocol):
    def consent(self, email: str) -> ConsentRecord: ...

    def observe(self, email: str, kind: SignalKind, subscribed: bool, *, opted_in_at: float | None = None) -> None: ...

    def record_opt_out(self, email: str, at: float, source: str, *, flag: SignalKind | None = None) -> bool: ...

    def record_opt_in(self, email: str, at: float) -> None: ...

    def now(self) -> float: ...


class DynamoConsentStore:
    """``ConsentStore`` on the stack's state table, through a low-level boto3 client."""

    def __init__(self, client: Any, table_name: str, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    def now(self) -> float:
        return self._clock()

    def consent(self, email: str) -> ConsentRecord:
        item = self._client.get_item(TableName=self._table, Key=_key(email), ConsistentRead=True).get("Item") or {}
        return ConsentRecord(
            opted_out_at=float(item["opted_out_at"]["N"]) if "opted_out_at" in item else None,
            opt_out_source=item["opt_out_source"]["S"] if "opt_out_source" in item else None,
            subscription_active=item["subscription_active"]["BOOL"] if "subscription_active" in item else None,
            customer_flag=item["customer_flag"]["BOOL"] if "customer_flag" in item else None,
        )

    def observe(self, email: str, kind: SignalKind, subscribed: bool, *, opted_in_at: float | None = None) -> None:
        """Remember what Centra said, so the next signal can tell a flag turning on from one left on; and, in the
        same write, when the bridge wrote a yes for it (``opted_in_at``), if it did."""
        expression = "SET #flag = :value"
        values: dict[str, Any] = {":value": {"BOOL": subscribed}}
        if opted_in_at is not None:
            expression += ", opted_in_at = :in"
            values[":in"] = {"N": repr(opted_in_at)}
        self._client.update_item(
            TableName=self._table,
            Key=_key(email),
            UpdateExpression=expression,
            ExpressionAttributeNames={"#flag": _FLAG_ATTRIBUTE[kind]},
            ExpressionAttributeValues=values,
        )

    def record_opt_out(self, email: str, at: float, source: str, *, flag: SignalKind | None = None) -> bool:
        """Keep an opt-out dated ``at``; False if a newer one is already kept (nothing changes then).

        ``flag``: Centra's own "no" of that kind, remembered in the same write (a "no" is written whether or not it
        is fresh, so it needs no settling after the Engage writes, as a "yes" does).
        """
        expression = "SET opted_out_at = :at, opt_out_source = :source"
        values: dict[str, Any] = {":at": {"N": repr(at)}, ":source": {"S": source}}
        names: dict[str, Any] = {}
        if flag is not None:
            expression += ", #flag = :no"
            values[":no"] = {"BOOL": False}
            names["ExpressionAttributeNames"] = {"#flag": _FLAG_ATTRIBUTE[flag]}
        return written(
            lambda: self._client.update_item(
                TableName=self._table,
                Key=_key(email),
                UpdateExpression=expression,
                ConditionExpression="attribute_not_exists(opted_out_at) OR opted_out_at < :at",
                ExpressionAttributeValues=values,
                **names,
            )
        )

    def record_opt_in(self, email: str, at: float) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=_key(email),
            UpdateExpression="SET opted_in_at = :at",
            ExpressionAttributeValues={":at": {"N": repr(at)}},
        )


def _key(email: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"consent#{email_key(email)}"}, "sk": {"S": _SORT_KEY}}
