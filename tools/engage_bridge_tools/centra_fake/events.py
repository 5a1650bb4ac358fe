"""Centra's events system: listeners, a queue per integration name, fetch and confirm.

Semantics copied from Centra's "handling events" page:

* events are produced only for object types (and change types) somebody listens to;
* a queue belongs to an *integration name*; tokens sharing a name share the queue, so a confirm through
  one token removes the event for all of them;
* ``events`` returns the oldest unconfirmed events, so anything not confirmed comes back on every fetch;
* ``setEventListeners`` is additive; ``unsetEventListeners`` also deletes the queued events it unsubscribes.
"""

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime

CHANGE_TYPES = ("CREATED", "UPDATED", "COMPLETED", "DELETED", "DEPENDENT_DATA_CHANGED")


@dataclass(frozen=True)
class QueuedEvent:
    id: int
    object_type: str
    change_type: str
    object_reference: int  # the order *number* for orders, the id otherwise
    created_at: datetime
    store_id: int | None = None
    market_id: int | None = None


@dataclass
class EventListener:
    integration_name: str
    object_type: str
    change_types: set[str]
    created_at: datetime
    updated_at: datetime


@dataclass
class _IntegrationQueue:
    listeners: dict[str, EventListener] = field(default_factory=dict)
    events: list[QueuedEvent] = field(default_factory=list)  # ascending id = oldest first

    def wants(self, object_type: str, change_type: str) -> bool:
        listener = self.listeners.get(object_type)
        return listener is not None and change_type in listener.change_types


@dataclass(frozen=True)
class EventQuery:
    object_types: Collection[str] | None = None
    change_types: Collection[str] | None = None
    store_ids: Collection[int] | None = None
    market_ids: Collection[int] | None = None

    def matches(self, event: QueuedEvent) -> bool:
        return (
            _allowed(self.object_types, event.object_type)
            and _allowed(self.change_types, event.change_type)
            and _allowed(self.store_ids, event.store_id)
            and _allowed(self.market_ids, event.market_id)
        )


def _allowed[T](allowed: Collection[T] | None, value: T | None) -> bool:
    return allowed is None or value in allowed


class EventHub:
    """All integrations' listeners and queues. Not thread-safe: the fake serialises access."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._queues: dict[str, _IntegrationQueue] = {}
        self._next_id = 1

    def _queue(self, integration_name: str) -> _IntegrationQueue:
        return self._queues.setdefault(integration_name, _IntegrationQueue())

    def listeners(self, integration_name: str) -> list[EventListener]:
        return list(self._queue(integration_name).listeners.values())

    def set_listener(
        self, integration_name: str, object_type: str, change_types: Iterable[str] | None
    ) -> EventListener:
        """Add change types (all when ``None``) to the listener; never removes any."""
        now = self._clock()
        wanted = set(CHANGE_TYPES if change_types is None else change_types)
        listeners = self._queue(integration_name).listeners
        listener = listeners.get(object_type)
        if listener is None:
            listener = EventListener(integration_name, object_type, wanted, created_at=now, updated_at=now)
            listeners[object_type] = listener
        elif not wanted <= listener.change_types:
            listener.change_types |= wanted
            listener.updated_at = now
        return listener

    def unset_listener(self, integration_name: str, object_type: str, change_types: Iterable[str] | None) -> None:
        """Remove change types (all when ``None``) and delete their queued events."""
        queue = self._queue(integration_name)
        listener = queue.listeners.get(object_type)
        removed = set(CHANGE_TYPES if change_types is None else change_types)
        if listener is not None:
            listener.change_types -= removed
            listener.updated_at = self._clock()
            if not listener.change_types:
                del queue.listeners[object_type]
        queue.events = [
            event for event in queue.events if not (event.object_type == object_type and event.change_type in removed)
        ]

    def emit(
        self,
        object_type: str,
        change_type: str,
        object_reference: int,
        *,
        store_id: int | None = None,
        market_id: int | None = None,
    ) -> list[QueuedEvent]:
        """Queue the change for every integration listening to it; returns what was queued."""
        queued: list[QueuedEvent] = []
        for queue in self._queues.values():
            if queue.wants(object_type, change_type):
                event = QueuedEvent(
                    id=self._next_id,
                    object_type=object_type,
                    change_type=change_type,
                    object_reference=object_reference,
                    created_at=self._clock(),
                    store_id=store_id,
                    market_id=market_id,
                )
                self._next_id += 1
                queue.events.append(event)
                queued.append(event)
        return queued

    def fetch(self, integration_name: str, query: EventQuery, limit: int) -> list[QueuedEvent]:
        """The oldest unconfirmed events matching ``query``; fetching does not remove them."""
        matching = (event for event in self._queue(integration_name).events if query.matches(event))
        return [event for _, event in zip(range(limit), matching, strict=False)]

    def confirm(self, integration_name: str, event_ids: Iterable[int]) -> tuple[list[QueuedEvent], list[int]]:
        """Remove the events; returns (confirmed, ids not in this integration's queue)."""
        queue = self._queue(integration_name)
        wanted = list(dict.fromkeys(event_ids))
        by_id = {event.id: event for event in queue.events}
        confirmed = [by_id[event_id] for event_id in wanted if event_id in by_id]
        unknown = [event_id for event_id in wanted if event_id not in by_id]
        gone = {event.id for event in confirmed}
        queue.events = [event for event in queue.events if event.id not in gone]
        return confirmed, unknown

    def pending(self, integration_name: str) -> list[QueuedEvent]:
        return list(self._queue(integration_name).events)
