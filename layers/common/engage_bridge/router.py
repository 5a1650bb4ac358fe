"""The router: from "something changed in Centra" to the effects Engage needs, on the five handler queues.

Events and webhooks carry ids, and the object may have changed again since; so the router reads the object's
current state from Centra and decides from that state plus the ledger (``engage_bridge.routing``). The same
change reported twice, by the webhook and by the poller, or out of order, leads to the same effects once:
whatever one run routes, the next finds in the ledger (or the handlers' idempotency catches). With route marks
(``engage_bridge.route_marks``) the second report of a change costs no Centra read and no handler message at all.
In Lambda the handler queues are a ``RoutingBatch``: an invocation's messages go out together at its end, one
``SendMessageBatch`` per handler queue rather than one per queue per record (``engage_bridge.router_batch``).

An order's decision reads the ledger rows of every effect it considers at once, in one eventually consistent
``BatchGetItem`` (``RouterServices.done_among``), not one strongly consistent ``GetItem`` per effect. In Lambda
the Centra reads of a batch are made together too, after its marks are taken (``read_ahead``, ``router_reads``).
"""

from __future__ import annotations  # the order models are named in annotations here, loaded with the first order

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from msgspec import Struct, field
from msgspec.structs import replace
from pydantic import BaseModel, ValidationError

from engage_bridge.centra.stock import market_levels
from engage_bridge.centra.together import CentraRef, ObjectAnswer
from engage_bridge.config import BrandConfig
from engage_bridge.consumer import delivery_of
from engage_bridge.delivery import Delivery, current_delivery
from engage_bridge.messages import IngestEvent
from engage_bridge.observability import count
from engage_bridge.outcome import Outcome
from engage_bridge.route_marks import RouteMarks, Verdict, marked_change
from engage_bridge.router_batch import HandlerQueues, RoutingBatch
from engage_bridge.router_reads import AnsweredReader, ReadsAhead
from engage_bridge.routing import (
    Decision,
    Route,
    route_customer,
    route_customer_erasure,
    route_newsletter_subscription,
    route_stock,
)
from engage_bridge.state import Effect, LedgerEntry

if TYPE_CHECKING:  # an order's models and rules load with the first order a container routes (``_decide_order``)
    from engage_bridge.centra import Customer, NewsletterSubscription, Order


class CentraReader(Protocol):
    """The part of ``CentraClient`` the router reads with."""

    def order(self, number: int) -> Order | None: ...

    def shipment_order(self, shipment_id: int) -> Order | None: ...

    def return_order(self, return_id: int) -> Order | None: ...

    def customer(self, customer_id: int) -> Customer | None: ...

    def customer_and_anonymised(self, customer_id: int) -> tuple[Customer | None, bool]: ...

    def newsletter_subscription(self, subscription_id: int) -> NewsletterSubscription | None: ...

    def read_together(self, refs: Iterable[CentraRef]) -> Mapping[CentraRef, ObjectAnswer]:
        """What of ``refs`` Centra answered in few requests; the rest is read one by one."""
        ...


class RouterLedger(Protocol):
    """The ledger as the router reads it: many effects at once (``DynamoStateStore.ledger_entries``)."""

    def ledger_entries(self, effects: Iterable[Effect], *, consistent: bool = True) -> Mapping[Effect, LedgerEntry]: ...


# The router reads the ledger eventually consistent (half a read unit per key). Its check saves routing work that
# is done; it does not stop a double send: each e-mail and redemption handler claims the effect's ledger row with a
# conditional write (``LedgerClaims``), and a receipt's ``uniqueReceiptId`` is ignored by Engage when repeated. A
# read that misses a row written within the replication lag (under a second) routes the effect again, to be
# skipped there. The one hold no handler repeats, an order a backfill held back (``skipped``/``historical``), is
# as racy with a strongly consistent read: a live change read just before the backfill's write routes its e-mail
# too; eventual consistency moves that window by the replication lag (docs/decision-log.md, 2026-12-07).
LEDGER_READ_CONSISTENT = False


class RouterServices(Struct, frozen=True):
    config: BrandConfig
    centra: CentraReader
    store: RouterLedger
    queues: HandlerQueues
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    # Marks the product feed stale (FeedRefreshMarker.request); True when this change is the window's first.
    mark_feed_stale: Callable[[], bool] | None = None
    marks: RouteMarks | None = None  # None: every report of a change is routed (tests, benches of today's router)
    relays_stock: bool = True  # False: the stack has no stock relay (template parameter StockRelay disabled)
    ahead: ReadsAhead = field(default_factory=ReadsAhead)  # the invocation's reports prepared by read_ahead

    def done_among(self, effects: Sequence[Effect]) -> frozenset[Effect]:
        """Those of ``effects`` done for routing purposes, read together (one ``BatchGetItem`` up to 100 effects;
        none for none): sent, refused for good (a redemption Engage refused stays refused), or held back by a
        historical sync: an order a backfill brought in must not e-mail its customer when a later change (a late
        return, a reconciliation fix) brings it back to the router.
        """
        if not effects:
            return frozenset()
        entries = self.store.ledger_entries(effects, consistent=LEDGER_READ_CONSISTENT)
        return frozenset(effect for effect, entry in entries.items() if _done(entry))


def _done(entry: LedgerEntry) -> bool:
    return entry.state in {"sent", "failed"} or (entry.state == "skipped" and entry.reason == "historical")


def look_ahead(services: RouterServices, records: Iterable[Mapping[str, Any]]) -> None:
    """Look at the route marks of a batch's reports at once (one ``BatchGetItem``), before they are routed one by
    one (``RouteMarks.look_ahead``). Only an optimisation: a body that does not parse is left to the consumer, and
    a look that fails leaves each report to read its own mark."""
    if services.marks is None:
        return
    keys: list[str] = []
    for record in records:
        try:
            event = IngestEvent.model_validate_json(record.get("body") or "")
        except ValidationError:
            continue
        if (change := marked_change(event)) is not None:
            keys.append(change[0])
    try:
        services.marks.look_ahead(keys)
    except Exception:  # the per-report read is the fallback, and it raises where it must
        services.marks.look_ahead([])


def read_ahead(services: RouterServices, records: Sequence[Mapping[str, Any]]) -> None:
    """Before a batch's reports are routed one by one: their marks looked at at once (``look_ahead``), the mark of
    each report that reads Centra taken, then every object those reports read, read together
    (``CentraClient.read_together``). Takes first, as for a report routed alone: the read starts after every
    take, so each mark still promises a read that started after it. Only an optimisation: a report whose take
    fails or is covered, or whose object was not answered, is routed as before, on its own (``router_reads``)."""
    release_unread(services)
    look_ahead(services, records)
    marks = services.marks
    for record in records:
        try:
            event = IngestEvent.model_validate_json(record.get("body") or "")
        except ValidationError:
            continue  # left to the consumer
        delivery, ref = delivery_of(SQSRecord(dict(record))), _ref(event)
        if ref is None or delivery.message_id in services.ahead:
            continue  # reads nothing (a stock change, a product), or a second delivery in the batch: routed alone
        mark = _mark(services, event, delivery)
        claim = None
        if marks is not None and mark is not None:
            try:
                verdict, claim = marks.take(*mark)
            except Exception:  # noqa: S112  # nosec B112 - its own routing takes the mark again, and fails there if it must
                continue
            if verdict is Verdict.COVERED or claim is None:
                continue  # its routing finds the mark covered again, with the look's answer and no read
        services.ahead.add(delivery.message_id, claim, ref)
    refs = services.ahead.refs()
    if not refs:
        return
    try:
        answers = services.centra.read_together(refs)
    except Exception:  # each report reads its object alone, and fails there if it must
        answers = {}
    services.ahead.answer(answers)


def release_unread(services: RouterServices) -> None:
    """Give back the marks ``read_ahead`` took for reports the invocation did not route (it failed before them)."""
    services.ahead.release(services.marks.release if services.marks is not None else None)


def _ref(event: IngestEvent) -> CentraRef | None:
    """The object the report reads in Centra; None for a report that reads nothing."""
    match event.object_type:
        case "order" | "shipment" | "return" | "customer" | "newsletter_subscription" as kind:
            return CentraRef(kind, event.object_id)
    return None


def _mark(services: RouterServices, event: IngestEvent, delivery: Delivery | None) -> tuple[str, int, str] | None:
    """The mark the report takes before its read: object key, when its change happened at the latest (ms), and the
    report; None when the report is routed whatever the marks say."""
    change = marked_change(event)
    if services.marks is None or change is None:
        return None
    # A message an operator redrove from the ingest DLQ is routed whatever the mark says: the mark may be one its
    # first delivery took before its invocations died, under the message id it no longer has.
    if delivery is not None and delivery.redriven:
        return None
    # The mark names the SQS message that takes it (its id is the same on every delivery); outside a consumer,
    # the report's business key does.
    report = delivery.message_id if delivery is not None else event.business_key
    return *change, report


def route_ingest_event(services: RouterServices, event: IngestEvent) -> Outcome:
    if event.object_type == "product":  # debounced: one rebuild per refresh window, however many changes
        if services.mark_feed_stale is None:
            return Outcome("skipped", "product_feed_off")
        marked = services.mark_feed_stale()
        return Outcome("sent", "feed_marked") if marked else Outcome("skipped", "feed_already_marked")
    if event.object_type == "stock_change" and not services.relays_stock:
        return Outcome("skipped", "stock_relay_not_deployed")
    marks, delivery = services.marks, current_delivery.get()
    mark = _mark(services, event, delivery)
    ahead = services.ahead.pop(delivery.message_id) if delivery is not None else None
    claim = ahead.claim if ahead is not None else None
    if ahead is not None and ahead.answer is not None and (mark is None or claim is not None):
        # Its object as the invocation's read answered it, after its own mark was taken (read_ahead).
        services = replace(services, centra=AnsweredReader(services.centra, ahead.ref, ahead.answer))
    if marks is None or mark is None:
        return _routed(services, _decide(services, event), event)
    if claim is None:
        verdict, claim = marks.take(*mark)
        if verdict is Verdict.COVERED or claim is None:
            return Outcome("skipped", "already_routed")
    try:
        decision = _decide(services, event)
        outcome = _routed(services, decision, event)
    except BaseException:
        with suppress(Exception):  # the original failure matters; its message, retried, takes its mark again
            marks.release(claim)
        raise
    if decision is None:
        # Not found: the report's own change type may matter (a deletion), so its other report must still route.
        marks.release(claim)
    elif isinstance(services.queues, RoutingBatch):
        # Messages held for the end of the invocation (router_batch): if they cannot be sent, the mark goes back.
        services.queues.release_if_unsent(lambda: marks.release(claim))
    return outcome


_LIVE_SOURCES: frozenset[str] = frozenset({"webhook", "events"})  # Centra's own reports of its changes


def _routed(services: RouterServices, decision: Decision | None, event: IngestEvent) -> Outcome:
    if decision is None:
        return Outcome("skipped", f"{event.object_type}_not_found")
    # The same message queued a moment ago for another live report of the change: skipped here, not by its handler.
    # Reconciliation and backfill route what the ledger lacks, and a redriven message routes, whatever it remembers.
    redriven = (delivery := current_delivery.get()) is not None and delivery.redriven
    if isinstance(services.queues, RoutingBatch) and event.source in _LIVE_SOURCES and not redriven:
        decision = decision.without_queued(services.queues.queued)
    by_route: dict[Route, list[BaseModel]] = {}
    for routed in decision.routed:
        by_route.setdefault(routed.route, []).append(routed.message)
    # Contacts first, then e-mails, receipts, redemptions: the order the decision gave, per handler queue.
    for route, messages in by_route.items():
        services.queues.send(route, messages)
    for skipped in decision.skipped:
        count("Skipped", skipped.reason)
    return Outcome("sent", f"routed_{len(decision.routed)}") if decision.routed else Outcome("skipped", "nothing_new")


def _decide(services: RouterServices, event: IngestEvent) -> Decision | None:
    cfg, centra, historical = services.config, services.centra, event.historical
    match event.object_type:
        case "order" | "shipment" | "return":
            read: dict[str, Callable[[int], Order | None]] = {
                "order": centra.order,
                "shipment": centra.shipment_order,
                "return": centra.return_order,
            }
            order = read[event.object_type](event.object_id)
            return None if order is None else _decide_order(services, order, historical)
        case "customer":
            customer, anonymised = centra.customer_and_anonymised(event.object_id)
            if anonymised or (customer is None and (event.change or "").upper() == "DELETED"):
                # Anonymised (GDPR) or deleted in Centra (a deleted object is null, EVT): the brand's erasure action.
                return route_customer_erasure(event.object_id)
            return None if customer is None else route_customer(customer, cfg, historical=historical)
        case "newsletter_subscription":
            subscription = centra.newsletter_subscription(event.object_id)
            return None if subscription is None else route_newsletter_subscription(subscription, cfg)
        case "stock_change":
            # Centra keeps stock per warehouse; a market's level is the sum over its warehouses (docs/mapping.md).
            levels = market_levels(event.stock, cfg.back_in_stock.warehouses_by_market)
            # The levels carry the time they were read: a level read later is never older. The event's own time
            # would not order them: two changes within a second share one createdAt, and the later level would be
            # dropped as "not newer" than the first.
            return route_stock(levels, event.stock_read_at or services.now(), cfg)
    return None


def _decide_order(services: RouterServices, order: Order, historical: bool) -> Decision:
    """``route_order`` with the ledger rows of every effect it considers read at once."""
    from engage_bridge.routing import order_effects, route_order  # noqa: PLC0415 - see the imports above

    done = services.done_among(order_effects(order, services.config, historical=historical))
    return route_order(order, services.config, done.__contains__, historical=historical)


class SqsHandlerQueues:
    """The five handler queues, by route, as the template names them in the router's environment."""

    def __init__(self, client: Any, queue_urls: Mapping[Route, str]) -> None:
        self._client = client
        self._queue_urls = queue_urls

    def send(self, route: Route, messages: Sequence[BaseModel]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            answer = self._client.send_message_batch(
                QueueUrl=self._queue_urls[route],
                Entries=[{"Id": str(i), "MessageBody": m.model_dump_json()} for i, m in enumerate(chunk)],
            )
            if answer.get("Failed"):
                # The whole ingest message is retried; what did get in is deduplicated by the handlers.
                raise QueueSendError(route, len(answer["Failed"]))


class QueueSendError(Exception):
    def __init__(self, route: Route, failed: int) -> None:
        super().__init__(f"{failed} message(s) could not be sent to the {route} queue")
