"""The router's side of the fuzz tests: Centra's state from the fixture orders, and one batch through the consumer.

The router Lambda is the shared SQS loop (``engage_bridge.consumer``) around ``engage_bridge.router``;
``run_batch`` runs exactly that, with in-process fakes: a Centra reader over the fixture orders, a memory
ledger, recording handler queues and DLQ, and the caller's (moto) DynamoDB for Powertools idempotency.
"""

import contextlib
import io
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from engage_bridge.centra import Customer, NewsletterSubscription, Order
from engage_bridge.centra.outcomes import CentraRetryableError, CentraUnexpectedResponse
from engage_bridge.centra.together import CentraRef, ObjectAnswer
from engage_bridge.config import parse_config
from engage_bridge.consumer import SqsConsumer
from engage_bridge.messages import IngestEvent
from engage_bridge.observability import bounded_metrics
from engage_bridge.router import RouterServices, read_ahead, route_ingest_event
from tests.lambda_support import emitted_metrics, flushing, lambda_context, sqs_event
from tests.unit.router.test_router import MemoryLedger, RecordingQueues

REPO = Path(__file__).resolve().parents[3]
CONFIG = parse_config((REPO / "tools/engage_bridge_tools/data/brand.example.json").read_text())
DOCUMENTS: list[dict[str, Any]] = [
    json.loads((REPO / "tests/fixtures/centra" / f"{name}.json").read_text())
    for name in ("order_confirmation", "shipping_confirmation", "order_return", "order_receipts")
]
ORDERS = [Order.model_validate(document) for document in DOCUMENTS]
SERVICE = "router-fuzz"
OUTCOMES = {"Sent", "Skipped", "DeadLettered", "Retried"}
# Ids the fake Centra answers with an error: retryable (429/5xx/timeout) or permanent (an unexpected answer).
RETRYABLE_ID, BROKEN_ID = 429, 502
SKU = "FUZZ-1"


class FixtureCentra:
    """Centra's current state: the fixture orders, a customer and a subscription per known id (stock comes with the
    ingest message itself)."""

    def _fail_for(self, object_id: int) -> None:
        if object_id == RETRYABLE_ID:
            raise CentraRetryableError("Order", 503, detail="fuzz: Centra is busy")
        if object_id == BROKEN_ID:
            raise CentraUnexpectedResponse("Order", 200, "fuzz: an answer without the object")

    def order(self, number: int) -> Order | None:
        self._fail_for(number)
        return next((o for o in ORDERS if o.number == number), None)

    def shipment_order(self, shipment_id: int) -> Order | None:
        self._fail_for(shipment_id)
        return next((o for o in ORDERS if any(s.id == shipment_id for s in o.shipments)), None)

    def return_order(self, return_id: int) -> Order | None:
        self._fail_for(return_id)
        return next((o for o in ORDERS if any(r.id == return_id for r in o.returns)), None)

    def customer(self, customer_id: int) -> Customer | None:
        self._fail_for(customer_id)
        known = {order.customer.id: order.customer for order in ORDERS if order.customer is not None}
        return known.get(customer_id)

    def customer_and_anonymised(self, customer_id: int) -> tuple[Customer | None, bool]:
        return self.customer(customer_id), False

    def newsletter_subscription(self, subscription_id: int) -> NewsletterSubscription | None:
        self._fail_for(subscription_id)
        document = _subscription(subscription_id)
        return None if document is None else NewsletterSubscription.model_validate(document)

    def read_together(self, refs: Iterable[CentraRef]) -> dict[CentraRef, ObjectAnswer]:
        """The batch's read: every object's document, but those Centra fails on, left to be read (and fail) alone."""
        return {ref: ObjectAnswer(_document(ref)) for ref in refs if ref.id not in {RETRYABLE_ID, BROKEN_ID}}


def _document(ref: CentraRef) -> dict[str, Any] | None:
    for document, order in zip(DOCUMENTS, ORDERS, strict=True):
        match ref.kind:
            case "order" if order.number == ref.id:
                return document
            case "shipment" if any(s.id == ref.id for s in order.shipments):
                return document
            case "return" if any(r.id == ref.id for r in order.returns):
                return document
            case "customer" if order.customer is not None and order.customer.id == ref.id:
                customer: dict[str, Any] = document["customer"]
                return customer
    return _subscription(ref.id) if ref.kind == "newsletter_subscription" else None


def _subscription(subscription_id: int) -> dict[str, Any] | None:
    if subscription_id % 2:
        return None
    return {"id": subscription_id, "email": f"fuzz{subscription_id}@example.com", "subscribed": True}


class RecordingDeadLetters:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str]]] = []

    def send(self, body: str, attributes: Mapping[str, str]) -> None:
        self.sent.append((body, dict(attributes)))


# --- one batch through the router's consumer ----------------------------------------------------------------


@dataclass
class BatchRun:
    outcomes: list[tuple[str, str]]  # (metric, reason) the consumer counted, in record order
    redelivered: int  # batch item failures: records SQS will deliver again
    dead_letters: RecordingDeadLetters
    queues: RecordingQueues
    output: str


def run_batch(dynamodb: Any, bodies: list[str]) -> BatchRun:
    ledger, queues, dead_letters = MemoryLedger(), RecordingQueues(), RecordingDeadLetters()
    services = RouterServices(CONFIG, FixtureCentra(), ledger, queues, now=lambda: datetime(2026, 11, 23, tzinfo=UTC))
    fuzz_metrics = bounded_metrics(namespace="Fuzz", service=SERVICE)
    consumer = flushing(
        SqsConsumer(
            message_model=IngestEvent,
            effect=lambda event: route_ingest_event(services, event),
            dead_letters=dead_letters,
            persistence=DynamoDBPersistenceLayer(
                table_name="state",
                key_attr="pk",
                sort_key_attr="sk",
                static_pk_value=f"idempotency#{uuid.uuid4()}",  # a fresh idempotency space for every batch
                boto3_client=dynamodb,
            ),
            metrics=fuzz_metrics,
            logger=Logger(service=SERVICE),
        ),
        fuzz_metrics,
    )
    output, event = io.StringIO(), sqs_event(bodies)
    # The router's count of each effect it skipped is the function's, not a record's outcome: left out here.
    with contextlib.redirect_stdout(output), mock.patch("engage_bridge.router.count"):
        read_ahead(services, event["Records"])  # as the router's Lambda entry does: the batch's objects read at once
        try:
            redelivered = len(consumer(event, lambda_context())["batchItemFailures"])
        except BatchProcessingError:
            redelivered = len(bodies)  # Powertools raises when every record of a batch failed
    metrics = emitted_metrics(output.getvalue())
    outcomes = [(name, dims["reason"]) for name, dims in metrics if name in OUTCOMES]
    return BatchRun(outcomes, redelivered, dead_letters, queues, output.getvalue())
