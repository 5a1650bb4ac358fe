"""Router figures: Centra requests and time per ingest event, against the Centra fake on loopback.

Every order, shipment, return, customer, newsletter subscription and stock SKU of the sample shop is routed
once, as an ingest event from the poller would name it, the way the router's Lambda entry routes an SQS batch: the
batch's objects read together first (``router.read_ahead``), then each record (``BATCH_SIZE`` events of one kind
a batch, the event source's ``BatchSize``); GraphQL requests are counted at the transport. The ledger is a real
state table (moto); handler queues are in memory (their cost is not the router's).
"""

import json
import statistics
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import httpx
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from moto import mock_aws
from msgspec.structs import replace
from pydantic import BaseModel

from engage_bridge.centra.client import CentraClient
from engage_bridge.centra.stock import SkuStock, WarehouseStock
from engage_bridge.config import parse_config
from engage_bridge.consumer import delivery_of
from engage_bridge.delivery import current_delivery
from engage_bridge.messages import IngestEvent, IngestObject
from engage_bridge.observability import bind
from engage_bridge.route_marks import DynamoRouteMarks
from engage_bridge.router import RouterServices, read_ahead, release_unread, route_ingest_event
from engage_bridge.routing import Route
from engage_bridge.state import DynamoStateStore
from engage_bridge_tools.bench.handlers import FAKE_AWS, state_table_definition
from engage_bridge_tools.centra_fake.fake import SAMPLE_SHOP, CentraFake
from engage_bridge_tools.centra_fake.server import RunningCentraFake
from engage_bridge_tools.local.handlers import environment
from engage_bridge_tools.local.template import REPO

ROUNDS = 20
BATCH_SIZE = 10  # the router's event source (template.yaml, RouterFunction)


class CountingTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return super().handle_request(request)


class _Queues:
    def __init__(self) -> None:
        self.messages = 0

    def send(self, route: Route, messages: Sequence[BaseModel]) -> None:
        self.messages += len(messages)


def run() -> dict[str, Any]:
    shop = json.loads(SAMPLE_SHOP.read_text(encoding="utf-8"))
    events = _events(shop)
    config = parse_config((REPO / "tools/engage_bridge_tools/data/brand.example.json").read_text(encoding="utf-8"))
    requests: dict[str, list[float]] = defaultdict(list)
    millis: dict[str, list[float]] = defaultdict(list)
    routed: dict[str, int] = defaultdict(int)
    bind(service="router", namespace="CentraEngageBridgeBench", environment="bench")  # as the Lambda entry does
    with environment(FAKE_AWS), mock_aws(), RunningCentraFake(CentraFake.from_file(SAMPLE_SHOP)) as server:
        boto3.client("dynamodb").create_table(**state_table_definition())
        transport = CountingTransport()
        fake = server.fake
        with CentraClient(f"{server.url}/graphql", next(iter(fake.tokens)), transport=transport) as centra:
            queues = _Queues()
            services = RouterServices(config, centra, DynamoStateStore(boto3.client("dynamodb"), "state"), queues)
            for _ in range(ROUNDS):
                for batch in _batches(events):
                    before, started, sent = transport.requests, time.perf_counter(), queues.messages
                    _route_batch(services, batch)
                    kind = batch[0].object_type
                    millis[kind] += [(time.perf_counter() - started) * 1000 / len(batch)] * len(batch)
                    requests[kind] += [(transport.requests - before) / len(batch)] * len(batch)
                    routed[kind] += queues.messages - sent
            second = {
                "without_route_marks": _second_reports(services, events, transport, queues),
                "with_route_marks": _second_reports(
                    replace(services, marks=DynamoRouteMarks(boto3.client("dynamodb"), "state")),
                    events,
                    transport,
                    queues,
                ),
            }
    return {
        "second_report_of_a_change": second,
        **_per_kind(requests, millis, routed),
    }


def _second_reports(
    services: RouterServices, events: list[IngestEvent], transport: CountingTransport, queues: _Queues
) -> dict[str, Any]:
    """Each change the router reads Centra for, reported by the webhook and then by the poller (as Centra does for
    orders, shipments, returns and customers): what the second report costs. Today's router (no marks) reads
    and routes it again; with route marks it is skipped before any read."""
    changes = [event for event in events if event.object_type != "stock_change"]
    now = datetime.now(UTC)
    first_reads = second_reads = second_messages = second_routes = 0
    for number, event in enumerate(changes):
        # A change of its own for each pass: the object id keeps its Centra object, the time is this pass's.
        changed_by = now + timedelta(microseconds=number)
        webhook = event.model_copy(update={"source": "webhook", "changed_by": changed_by})
        poll = event.model_copy(update={"source": "events", "changed_by": changed_by})
        before = transport.requests
        _route_batch(services, [webhook])
        first_reads += transport.requests - before
        before, sent = transport.requests, queues.messages
        second_routes += _route_batch(services, [poll])[0] != "already_routed"
        second_reads += transport.requests - before
        second_messages += queues.messages - sent
    return {
        "changes": len(changes),
        "centra_requests_first_report": first_reads,
        "centra_requests_second_report": second_reads,
        "handler_messages_second_report": second_messages,
        "routes_per_change": round((len(changes) + second_routes) / len(changes), 2),
    }


def _batches(events: list[IngestEvent]) -> list[list[IngestEvent]]:
    """The events in batches of one kind, at most ``BATCH_SIZE`` each."""
    by_kind: dict[str, list[IngestEvent]] = defaultdict(list)
    for event in events:
        by_kind[event.object_type].append(event)
    return [kind[start : start + BATCH_SIZE] for kind in by_kind.values() for start in range(0, len(kind), BATCH_SIZE)]


_message_ids = iter(range(1 << 62))


def _route_batch(services: RouterServices, events: Sequence[IngestEvent]) -> list[str]:
    """What the router's Lambda entry does with an SQS batch (``wiring.RouterLambdaEntry``): the batch's marks and
    Centra objects read ahead, then each record routed with its delivery; each record's outcome reason."""
    records = [
        {"messageId": f"bench-{next(_message_ids)}", "body": event.model_dump_json(), "attributes": {}}
        for event in events
    ]
    reasons: list[str] = []
    try:
        read_ahead(services, records)
        for record, event in zip(records, events, strict=True):
            delivery = current_delivery.set(delivery_of(SQSRecord(record)))
            try:
                reasons.append(route_ingest_event(services, event).reason)
            finally:
                current_delivery.reset(delivery)
    finally:
        release_unread(services)
    return reasons


def _per_kind(
    requests: dict[str, list[float]], millis: dict[str, list[float]], routed: dict[str, int]
) -> dict[str, Any]:
    return {
        kind: {
            "events": len(counts),
            "centra_requests_per_event": round(statistics.mean(counts), 2),
            "median_ms_per_event": round(statistics.median(millis[kind]), 2),
            "messages_routed_per_event": round(routed[kind] / len(counts), 2),
        }
        for kind, counts in sorted(requests.items())
    }


def _events(shop: dict[str, Any]) -> list[IngestEvent]:
    def event(kind: IngestObject, object_id: int, skus: tuple[str, ...] = ()) -> IngestEvent:
        # A stock change brings its SKUs' free-to-allocate per warehouse, as the poller reads them with the event.
        stock = tuple(
            SkuStock(
                sku=sku,
                warehouses=tuple(
                    WarehouseStock(warehouse_id=row["warehouse"]["id"], free_to_allocate=row["freeToAllocateQuantity"])
                    for row in shop["stock"]
                    if row["productSize"]["SKU"] == sku
                ),
            )
            for sku in skus
        )
        return IngestEvent(source="events", object_type=kind, object_id=object_id, skus=skus, stock=stock)

    orders = shop["orders"]
    return [
        *(event("order", order["number"]) for order in orders),
        *(event("shipment", shipment["id"]) for order in orders for shipment in order.get("shipments", [])),
        *(event("return", returned["id"]) for order in orders for returned in order.get("returns", [])),
        *(event("customer", customer["id"]) for customer in shop["customers"]),
        *(event("newsletter_subscription", sub["id"]) for sub in shop["newsletterSubscriptions"]),
        *(
            event("stock_change", index, (sku,))
            for index, sku in enumerate(sorted({level["productSize"]["SKU"] for level in shop["stock"]}))
        ),
    ]
