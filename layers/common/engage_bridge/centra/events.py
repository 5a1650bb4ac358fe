"""Centra's events queue as the client returns it: typed events and the outcome of a confirm."""

from dataclasses import dataclass, field
from datetime import datetime

from engage_bridge.centra.customer import Customer, NewsletterSubscription
from engage_bridge.centra.order import Order
from engage_bridge.centra.outcomes import CentraIssue
from engage_bridge.centra.stock import StockLevel

EventObject = Order | Customer | NewsletterSubscription


@dataclass(frozen=True, slots=True)
class CentraEvent:
    """One queued event. ``object_reference`` is the order *number* for orders, the id for everything else.

    ``object`` is the object's *current* state parsed into its model, when Centra sent one and the client reads
    that type: an ``Order`` for Order events and for Shipment and Return events (the order the shipment or
    return belongs to, with all of them nested), a ``Customer`` or a ``NewsletterSubscription``. It is None for
    ``DELETED`` events and for types the client does not read. A StockChange event carries ``stock_levels``
    instead: one level per changed line, in the change's market.
    """

    id: int
    object_type: str
    change_type: str
    object_reference: int
    created_at: datetime
    store_id: int | None = None
    market_id: int | None = None
    object: EventObject | None = None
    stock_levels: tuple[StockLevel, ...] = field(default=())


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
