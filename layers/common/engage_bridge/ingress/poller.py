"""Centra's events queue → the ingest queue: fetch the oldest unconfirmed events, enqueue, then confirm.

An event is confirmed only after its ingest message is durably queued, so a crash, a timeout or a failed
enqueue leaves it unconfirmed and Centra hands it out again on the next run: at-least-once, never lost.
Duplicates are harmless — the router decides from current state and the handlers deduplicate effects.

An event whose change a route mark already covers (the webhook's report of it was routed, ``route_marks``) is
confirmed and not queued: the router would skip it (``already_routed``) after a send, a receive, a delete and the
same look. The look is one eventually consistent ``BatchGetItem`` per page; if it fails, every event is queued.

The queue belongs to the integration name of the API token (seed 004): two consumers sharing a name take
each other's events, so every brand and every consumer needs a name of its own.
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from msgspec import Struct, field

from engage_bridge.centra.events import CentraEvent, ConfirmResult, EventListener, EventPage
from engage_bridge.ingress.event_types import INGEST_TYPES
from engage_bridge.ingress.queue import IngestQueue
from engage_bridge.messages import IngestEvent
from engage_bridge.observability import logger
from engage_bridge.route_marks import CHANGE_TIME_ALLOWANCE_SECONDS, marked_change

if TYPE_CHECKING:
    from engage_bridge.config import BrandConfig

FETCH_LIMIT = 200  # Centra's own example; the largest page it documents
# SKUs per ingest message of a stock change: a SKU with a few warehouses is ~150 bytes of JSON, so a part stays far
# below SQS's message and batch size limits (256 KiB) however large the delivery.
STOCK_SKUS_PER_MESSAGE = 100
MIN_SECONDS_FOR_ANOTHER_PAGE = 15.0


class EventsApi(Protocol):
    def set_event_listeners(
        self, object_types: Sequence[str], change_types: Sequence[str] | None = None
    ) -> Sequence[str]: ...

    def event_listeners(self) -> Sequence[EventListener]: ...

    def fetch_events(
        self,
        limit: int = FETCH_LIMIT,
        object_types: Sequence[str] | None = None,
        warehouse_ids: Sequence[int] | None = None,
    ) -> EventPage: ...

    def confirm_events(self, ids: Sequence[int]) -> ConfirmResult: ...


class CoveredChanges(Protocol):
    """The route marks as the poller looks at them (``DynamoRouteMarks.covered``)."""

    def covered(self, changes: Iterable[tuple[str, int]]) -> frozenset[tuple[str, int]]: ...


class PollResult(Struct):
    fetched: int = 0
    queued: int = 0
    confirmed: int = 0
    not_queued: int = 0  # left unconfirmed on purpose: Centra returns them next time
    not_confirmed: int = 0  # queued, but Centra did not take the confirmation: they will come back, harmlessly
    unreadable: int = 0  # events the client could not read: left unconfirmed, logged by id, the rest move on
    ignored: dict[str, int] = field(default_factory=dict)  # object types nobody here listens to
    # Confirmed without queueing, by reason ("already_routed": a route mark covers the change).
    skipped: dict[str, int] = field(default_factory=dict)
    marks_unread: int = 0  # pages whose marks could not be looked at: every event of them queued


def listened_types(
    config: "BrandConfig", *, stock_relay_deployed: bool = True, feed_deployed: bool = True
) -> list[str]:
    """The event types the brand's switches need: no StockChange with the relay off or not deployed, no Product or
    Display with the product feed off or not deployed (each would only be confirmed, routed and skipped)."""
    unused: set[str] = set()
    if not (stock_relay_deployed and config.back_in_stock.relay_stock_levels):
        unused.add("StockChange")
    if not (feed_deployed and config.back_in_stock.product_feed.enabled):
        unused |= {"Display", "Product"}
    return sorted(set(INGEST_TYPES) - unused)


def register_listeners(centra: EventsApi, object_types: Sequence[str] = tuple(INGEST_TYPES)) -> list[str]:
    """Listen to ``object_types``; return the types *someone else* listens to on this queue.

    Idempotent and additive on Centra's side, so safe on every cold start. ``eventListeners`` (EVT: the documented
    list of an integration name's listeners) then shows the whole queue: a listener this bridge never registers
    means the integration name is shared with another consumer, which takes events from this one. A type the
    bridge stopped wanting (a switch turned off) is not unset: ``unsetEventListeners`` deletes the queued events
    of that type, another consumer's too when the name is shared; its events are still routed and skipped.
    """
    centra.set_event_listeners(sorted(object_types))
    listening = {listener.object_type for listener in centra.event_listeners()}
    return sorted(listening - set(INGEST_TYPES))


def poll(
    centra: EventsApi,
    queue: IngestQueue,
    seconds_left: Callable[[], float],
    max_pages: int = 10,
    marks: CoveredChanges | None = None,
) -> PollResult:
    """Move events until the queue is drained, ``max_pages`` pages are done, or time runs short; with ``marks``,
    an event whose change is already routed is confirmed without queueing."""
    result = PollResult()
    for _ in range(max_pages):
        page = centra.fetch_events(FETCH_LIMIT)
        result.fetched += page.size
        result.unreadable += len(page.unreadable)
        if not page.size:
            break
        complete = _move(centra, queue, list(page.events), result, marks)
        # After a failed enqueue, or with unreadable events, the same events would come back first: stop instead
        # of spinning on them.
        if not complete or page.unreadable or page.size < FETCH_LIMIT or seconds_left() < MIN_SECONDS_FOR_ANOTHER_PAGE:
            break
    return result


def _move(
    centra: EventsApi, queue: IngestQueue, events: list[CentraEvent], result: PollResult, marks: CoveredChanges | None
) -> bool:
    wanted = [event for event in events if event.object_type in INGEST_TYPES]
    for event in events:
        if event.object_type not in INGEST_TYPES:
            result.ignored[event.object_type] = result.ignored.get(event.object_type, 0) + 1
    messages = [(event.id, message) for event in wanted for message in _ingest(event)]
    routed = _already_routed(marks, messages, result) if marks is not None and messages else set()
    messages = [(event_id, message) for event_id, message in messages if event_id not in routed]
    queued = queue.put([message for _, message in messages]) if messages else []
    # An event is queued when every one of its messages is.
    failed = {event_id for (event_id, _), ok in zip(messages, queued, strict=True) if not ok}
    done = [event.id for event in wanted if event.id not in failed]  # the routed ones are handled: confirmed too
    # Events of types nobody handles are confirmed too, or they would block the queue forever (Centra's advice).
    done += [event.id for event in events if event.object_type not in INGEST_TYPES]
    result.queued += len(wanted) - len(failed) - len(routed)
    result.not_queued += len(failed)
    if done:
        confirmation = centra.confirm_events(done)
        result.confirmed += len(confirmation.confirmed)
        result.not_confirmed += len(confirmation.not_confirmed)
    return not failed


def _already_routed(marks: CoveredChanges, messages: list[tuple[int, IngestEvent]], result: PollResult) -> set[int]:
    """The events every message of which reports a change a route mark covers, by the router's own key and rule
    (``route_marks.marked_change``: never a deletion, a stock change or a type the webhook does not report)."""
    changes: dict[int, list[tuple[str, int] | None]] = {}
    for event_id, message in messages:
        changes.setdefault(event_id, []).append(marked_change(message))
    looked = {change for of_event in changes.values() for change in of_event if change is not None}
    if not looked:
        return set()
    try:
        covered = marks.covered(looked)
    except Exception as error:  # a look is only a saving: the router decides each queued report itself
        result.marks_unread += 1
        logger.warning("route marks not looked at; the page's events are queued", extra={"error": type(error).__name__})
        return set()
    routed = {event_id for event_id, of_event in changes.items() if all(c in covered for c in of_event)}
    if routed:
        result.skipped["already_routed"] = result.skipped.get("already_routed", 0) + len(routed)
    return routed


def _ingest(event: CentraEvent) -> list[IngestEvent]:
    """The ingest message of an event; a stock change with many SKUs is split into ``STOCK_SKUS_PER_MESSAGE`` parts."""
    message = IngestEvent(
        source="events",
        object_type=INGEST_TYPES[event.object_type],
        object_id=event.object_reference,
        change=event.change_type,
        centra_event_id=event.id,
        occurred_at=event.created_at,
        changed_by=event.created_at + timedelta(seconds=CHANGE_TIME_ALLOWANCE_SECONDS),
    )
    if event.object_type != "StockChange":
        return [message]
    read_at = datetime.now(UTC)
    parts = [event.stock[i : i + STOCK_SKUS_PER_MESSAGE] for i in range(0, len(event.stock), STOCK_SKUS_PER_MESSAGE)]
    return [
        message.model_copy(
            update={
                "skus": tuple(sorted({item.sku for item in part})),
                "stock": part,
                "stock_read_at": read_at,
                "stock_part": number if len(parts) > 1 else None,
            }
        )
        for number, part in enumerate(parts or [()], start=1)
    ]
