"""Fuzzing the router's SQS consumer with arbitrary ingest-queue record bodies.

The router Lambda is the shared SQS loop (``engage_bridge.consumer``) around ``engage_bridge.router``. Whatever
a record's body holds — not JSON, JSON of the wrong shape, an ``IngestEvent`` with odd values, one naming an
object Centra no longer has or cannot serve — each record ends in exactly one counted outcome: routed (Sent),
Skipped with a reason, sent to the DLQ with a ``reason`` attribute, or Retried (a batch item failure, for
Centra's retryable errors only). Nothing raises out of the handler unclassified, nothing is dropped silently,
and what a record routed is what reached the handler queues.

In-process fakes only (``router_support``), and moto's DynamoDB for Powertools idempotency.
"""

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from engage_bridge.centra.stock import SkuStock, WarehouseStock
from engage_bridge.messages import IngestEvent
from tests.unit.fuzz.profiles import FUZZ
from tests.unit.fuzz.router_support import BROKEN_ID, ORDERS, RETRYABLE_ID, SKU, run_batch

# --- what a record body can be -------------------------------------------------------------------------------

KNOWN_IDS = sorted(
    {o.number for o in ORDERS}
    | {s.id for o in ORDERS for s in o.shipments}
    | {r.id for o in ORDERS for r in o.returns}
    | {int(o.customer.id) for o in ORDERS if o.customer is not None and o.customer.id is not None}
    | {RETRYABLE_ID, BROKEN_ID, 2, 3}
)
OBJECT_TYPES = ["order", "shipment", "return", "customer", "newsletter_subscription", "stock_change"]
SOURCES = ["events", "webhook", "backfill", "reconcile"]

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
zones = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=12, minutes=59))])
moments = st.datetimes(timezones=st.none() | zones)
object_ids = st.sampled_from(KNOWN_IDS) | st.integers(min_value=0, max_value=2**64)
skus = st.lists(st.just(SKU) | st.text(max_size=12), max_size=3).map(tuple)
# Stock read with a stock change: SKUs with free-to-allocate per warehouse, in the example brand's warehouses or not.
stock = st.lists(
    st.builds(
        SkuStock,
        sku=st.just(SKU) | st.text(min_size=1, max_size=12).filter(str.strip),  # SkuStock strips whitespace
        warehouses=st.lists(
            st.builds(
                WarehouseStock,
                warehouse_id=st.sampled_from([101, 102, 999]),
                free_to_allocate=st.integers(min_value=-(10**9), max_value=10**9),
            ),
            max_size=3,
        ).map(tuple),
    ),
    max_size=3,
).map(tuple)

valid_events = st.builds(
    IngestEvent,
    source=st.sampled_from(SOURCES),
    object_type=st.sampled_from(OBJECT_TYPES),
    object_id=object_ids,
    change=st.none() | st.text(max_size=40),
    centra_event_id=st.none() | st.integers(min_value=0, max_value=2**63),
    occurred_at=st.none() | moments,
    skus=skus,
    stock=stock,
    stock_read_at=st.none() | moments.filter(lambda moment: moment.tzinfo is not None),
    historical=st.booleans(),
).map(lambda event: event.model_dump_json())

odd_documents = st.fixed_dictionaries(
    {},
    optional={
        "source": st.sampled_from(SOURCES) | json_scalars,
        "object_type": st.sampled_from(OBJECT_TYPES) | json_scalars,
        "object_id": object_ids | st.integers() | json_scalars,
        "change": st.none() | st.text(max_size=60) | json_scalars,
        "centra_event_id": st.integers() | json_scalars,
        "occurred_at": moments.map(datetime.isoformat) | st.text(max_size=32) | json_scalars,
        "skus": skus | json_values,
        "stock": json_values,
        "historical": json_scalars,
        "business_key": st.text(max_size=20),  # what a router adds when it serialises; ignored on the way in
        "from_a_newer_router": json_values,
    },
).map(json.dumps)

record_bodies = st.one_of(
    valid_events,
    odd_documents,
    json_values.map(json.dumps),
    st.text(max_size=200),
    st.sampled_from(["", "{", "[" * 5000 + "]" * 5000, '{"object_id": 1' + "0" * 5000 + "}", "\x00"]),
)


# --- the property --------------------------------------------------------------------------------------------


@FUZZ
@given(bodies=st.lists(record_bodies, min_size=1, max_size=10))
def test_every_record_is_routed_skipped_or_dead_lettered_with_a_reason(dynamodb: Any, bodies: list[str]) -> None:
    run = run_batch(dynamodb, bodies)

    assert len(run.outcomes) == len(bodies), f"every record ends in exactly one counted outcome: {run.outcomes}"
    assert all(reason for _, reason in run.outcomes), "every outcome has a reason"
    assert "unexpected failure" not in run.output, "no exception escapes unclassified"
    assert run.redelivered == sum(1 for name, _ in run.outcomes if name == "Retried"), "only retryable errors retry"
    assert len(run.dead_letters.sent) == sum(1 for name, _ in run.outcomes if name == "DeadLettered")
    for _, attributes in run.dead_letters.sent:
        assert attributes["reason"] and attributes["source_message_id"]
    routed = sum(int(reason.removeprefix("routed_")) for name, reason in run.outcomes if name == "Sent")
    assert routed == len(run.queues.sent), "what a record routed is what reached the handler queues"
