"""Count every AWS API call made through boto3 in this process (handlers and the runtime's own polling).

The counts feed the cost model: SQS requests, DynamoDB reads and writes, Secrets Manager and SSM reads.
Powertools' idempotency layer and its parameter and secret providers build clients from sessions of their
own, not boto3's default session; so the hook also goes into botocore's built-in handlers, which every session
created while the counter is installed registers. Without that, the idempotency records (a write when a
message starts and one when it completes) and every secret read would be missing from the cost.

A call the local runtime makes only because it runs faster than the clock (``runtime_only``: the scaled poller
hiding a failed record for its shortened retry wait) is what Lambda never does; it is counted apart, under
``RUNTIME_ONLY_PREFIX``, so the cost model does not price it.

DynamoDB bills a ``BatchGetItem`` per item it reads, as that many ``GetItem`` requests (AWS, DynamoDB Developer
Guide, "Read request units": each item of a batch is processed and rounded up as its own read), so the counter
keeps the keys each batch asked for, by record kind and consistency, beside the call itself.
"""

import json
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import boto3
from botocore import handlers

_EVENT = "before-call"
_AFTER = "after-call"
_RECORD = "engage_bridge_record"  # the record kind, kept in the call's context for its answer
_DYNAMODB_SINGLE_ITEM = frozenset({"PutItem", "UpdateItem", "DeleteItem", "GetItem"})
RUNTIME_ONLY_PREFIX = "local-runtime/"
_runtime_only = threading.local()


@contextmanager
def runtime_only() -> Iterator[None]:
    """Count the calls this thread makes meanwhile apart (``local-runtime/sqs:ChangeMessageVisibility``)."""
    previous = getattr(_runtime_only, "active", False)
    _runtime_only.active = True
    try:
        yield
    finally:
        _runtime_only.active = previous


class AwsCallCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._writes: Counter[str] = Counter()
        self._refused: Counter[str] = Counter()
        self._eventual: Counter[str] = Counter()
        self._batch_items: Counter[str] = Counter()
        self._effect_writes: Counter[str] = Counter()
        self._session: Any = None
        self._installed = False
        self._builtin = (_EVENT, self._count)
        self._builtin_after = (_AFTER, self._count_refused)

    def install(self) -> None:
        """Hook the default boto3 session (``boto3.client(...)`` in every handler) and every session made later."""
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        self._session = boto3.DEFAULT_SESSION
        self._session.events.register(_EVENT, self._count)
        self._session.events.register(_AFTER, self._count_refused)
        handlers.BUILTIN_HANDLERS.append(self._builtin)
        handlers.BUILTIN_HANDLERS.append(self._builtin_after)
        self._installed = True

    def uninstall(self) -> None:
        # Sessions made meanwhile keep the hook; it counts only while installed.
        self._installed = False
        for builtin in (self._builtin, self._builtin_after):
            if builtin in handlers.BUILTIN_HANDLERS:
                handlers.BUILTIN_HANDLERS.remove(builtin)
        if self._session is not None:
            self._session.events.unregister(_EVENT, self._count)
            self._session.events.unregister(_AFTER, self._count_refused)
            self._session = None

    def _count(self, model: Any, params: Mapping[str, Any] | None = None, context: Any = None, **_: Any) -> None:
        if not self._installed:
            return
        service = model.service_model.service_name
        record = item_record(model.name, params) if service == "dynamodb" else None
        effect_write = _effect_write(model.name, params) if record == "effect" else None
        prefix = RUNTIME_ONLY_PREFIX if getattr(_runtime_only, "active", False) else ""
        if record is not None and isinstance(context, dict):
            context[_RECORD] = record  # for the answer: a refused conditional write is billed as a write
        batched = batch_get_items(params) if service == "dynamodb" and model.name == "BatchGetItem" else {}
        with self._lock:
            self._counts[f"{prefix}{service}:{model.name}"] += 1
            for (kind, consistent), keys in batched.items():
                self._writes[f"BatchGetItem {kind}"] += keys
                self._batch_items[f"BatchGetItem {kind}"] += keys
                if not consistent:
                    self._eventual[f"BatchGetItem {kind}"] += keys
            if record is not None:
                self._writes[f"{model.name} {record}"] += 1
                if model.name == "GetItem" and not _consistent(params):
                    self._eventual[f"{model.name} {record}"] += 1
            if effect_write is not None:
                self._effect_writes[effect_write] += 1

    def _count_refused(self, model: Any, parsed: Any = None, context: Any = None, **_: Any) -> None:
        if not self._installed or not isinstance(context, dict) or _RECORD not in context:
            return
        code = parsed.get("Error", {}).get("Code") if isinstance(parsed, dict) else None
        if code == "ConditionalCheckFailedException":
            with self._lock:
                self._refused[f"{model.name} {context[_RECORD]}"] += 1

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._writes.clear()
            self._refused.clear()
            self._eventual.clear()
            self._batch_items.clear()
            self._effect_writes.clear()

    def dynamodb_by_record(self) -> dict[str, int]:
        """DynamoDB calls by operation and record kind (``UpdateItem route``): where the units go. A single-item
        call counts once; ``BatchGetItem <kind>`` counts the items the batches asked for (each a billed read)."""
        with self._lock:
            return dict(sorted(self._writes.items()))

    def dynamodb_refused(self) -> dict[str, int]:
        """Of those, the conditional writes DynamoDB refused (billed as writes all the same), by the same keys."""
        with self._lock:
            return dict(sorted(self._refused.items()))

    def dynamodb_eventual_reads(self) -> dict[str, int]:
        """Of the reads (single items, and the items of batches), those eventually consistent (half a read unit
        each), by the same keys."""
        with self._lock:
            return dict(sorted(self._eventual.items()))

    def dynamodb_batch_get_items(self) -> dict[str, int]:
        """The items every ``BatchGetItem`` asked for, by record kind: each is billed as one read."""
        with self._lock:
            return dict(sorted(self._batch_items.items()))

    def dynamodb_effect_writes(self) -> dict[str, int]:
        """The writes to ledger rows (``effect#…``) by operation, effect kind and role (``UpdateItem email:created
        claim``): which effect pays for which write."""
        with self._lock:
            return dict(sorted(self._effect_writes.items()))

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._counts.items()))


def _consistent(request: Mapping[str, Any] | None) -> bool:
    try:
        return bool(json.loads((request or {}).get("body") or b"{}").get("ConsistentRead"))
    except ValueError:
        return True


def batch_get_items(request: Mapping[str, Any] | None) -> dict[tuple[str, bool], int]:
    """The keys one ``BatchGetItem`` asks for, by record kind and whether the read is strongly consistent."""
    try:
        body = json.loads((request or {}).get("body") or b"{}")
    except ValueError:
        return {}
    found: Counter[tuple[str, bool]] = Counter()
    for table in (body.get("RequestItems") or {}).values():
        consistent = bool(table.get("ConsistentRead"))
        for key in table.get("Keys") or []:
            found[(_record_kind(key), consistent)] += 1
    return dict(found)


def item_record(operation: str, request: Mapping[str, Any] | None) -> str | None:
    """The kind of record a single-item DynamoDB call goes to: its ``pk`` up to the first ``#`` (the state
    table's key prefixes), and the service for Powertools' ``idempotency#<service>`` records."""
    if operation not in _DYNAMODB_SINGLE_ITEM or request is None:
        return None
    try:
        body = json.loads(request.get("body") or b"{}")
    except ValueError:
        return "unknown"
    return _record_kind(body.get("Key") or body.get("Item") or {})


def _effect_write(operation: str, request: Mapping[str, Any] | None) -> str | None:
    """A write to a ledger row as ``<operation> <effect kind> <role>``: the kind is the row's name up to its
    second ``:`` (``email:shipped``, ``receipt:purchase``, ``redemption``, ``contact``); the role ``claim`` (it
    sets ``claim_id``), ``release`` (a delete, or an update that only removes the claim) or ``entry``."""
    if operation == "GetItem" or request is None:
        return None
    try:
        body = json.loads(request.get("body") or b"{}")
    except ValueError:
        return None
    key = body.get("Key") or body.get("Item") or {}
    name = str(key.get("sk", {}).get("S", "unknown"))
    kind = (
        "resend"
        if name.startswith("resend#")
        else ":".join(name.split(":")[: 1 if name.startswith("redemption") else 2])
    )
    expression = str(body.get("UpdateExpression", ""))
    if "claim_id = :me" in expression:
        role = "claim"
    elif operation == "DeleteItem" or expression.startswith("REMOVE claim_id"):
        role = "release"
    else:
        role = "entry"
    return f"{operation} {kind} {role}"


def _record_kind(key: Mapping[str, Any]) -> str:
    pk = str(key.get("pk", {}).get("S", "unknown"))
    parts = pk.split("#")
    return "#".join(parts[:2]) if parts[0] == "idempotency" else parts[0]
