"""Centra's events queue as the client returns it: typed events, the ones it could not read, a confirm's outcome."""

from dataclasses import dataclass, field
from datetime import datetime

from engage_bridge.centra.outcomes import CentraIssue
from engage_bridge.centra.stock import SkuStock


@dataclass(frozen=True, slots=True)
class CentraEvent:
    """One queued event. ``object_reference`` is the order *number* for orders, the id for everything else.

    The poll reads ids only: the router reads the object's current state itself. A StockChange event also carries
    ``stock``: each SKU on the change's lines with its free-to-allocate quantity per warehouse, as read with the
    event (every line, past Centra's default page of 20).
    """

    id: int
    object_type: str
    change_type: str
    object_reference: int
    created_at: datetime
    store_id: int | None = None
    market_id: int | None = None
    stock: tuple[SkuStock, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class UnreadableEvent:
    """An event the client could not read (``id`` None when even that is missing); it stays unconfirmed."""

    id: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class EventPage:
    """One fetch: the events read, and those that could not be; ``size`` is how many Centra returned."""

    events: tuple[CentraEvent, ...] = ()
    unreadable: tuple[UnreadableEvent, ...] = ()

    @property
    def size(self) -> int:
        return len(self.events) + len(self.unreadable)


@dataclass(frozen=True, slots=True)
class ConfirmResult:
    """What ``confirmEvents`` did: the ids it confirmed, and its warnings (unknown or already confirmed ids)."""

    confirmed: tuple[int, ...]
    requested: tuple[int, ...]
    warnings: tuple[CentraIssue, ...] = ()

    @property
    def not_confirmed(self) -> tuple[int, ...]:
        done = set(self.confirmed)
        return tuple(event_id for event_id in self.requested if event_id not in done)
