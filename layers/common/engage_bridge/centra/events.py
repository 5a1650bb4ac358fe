"""Centra's events queue as the client returns it: typed events, the ones it could not read, a confirm's outcome.

Also the answers' raw shapes the client parses them from: only the events poller (and the doctor's listener check)
reads the queue, so no other function defines them at cold start (issue 18).
"""

from datetime import datetime
from typing import Any

from msgspec import Struct
from pydantic import AwareDatetime, Field, ValidationError

from engage_bridge.centra.base import CentraModel, Market
from engage_bridge.centra.common import Store
from engage_bridge.centra.outcomes import CentraIssue
from engage_bridge.centra.stock import SkuStock, WarehouseStock


class EventListener(Struct, frozen=True):
    integration_name: str
    object_type: str


class CentraEvent(Struct, frozen=True):
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
    stock: tuple[SkuStock, ...] = ()


class UnreadableEvent(Struct, frozen=True):
    """An event the client could not read (``id`` None when even that is missing); it stays unconfirmed."""

    id: int | None
    reason: str


class EventPage(Struct, frozen=True):
    """One fetch: the events read, and those that could not be; ``size`` is how many Centra returned."""

    events: tuple[CentraEvent, ...] = ()
    unreadable: tuple[UnreadableEvent, ...] = ()

    @property
    def size(self) -> int:
        return len(self.events) + len(self.unreadable)


class ConfirmResult(Struct, frozen=True):
    """What ``confirmEvents`` did: the ids it confirmed, and its warnings (unknown or already confirmed ids)."""

    confirmed: tuple[int, ...]
    requested: tuple[int, ...]
    warnings: tuple[CentraIssue, ...] = ()

    @property
    def not_confirmed(self) -> tuple[int, ...]:
        done = set(self.confirmed)
        return tuple(event_id for event_id in self.requested if event_id not in done)


# --- the answers' raw shapes -----------------------------------------------------------------------


class _RawEvent(CentraModel):
    id: int
    object_type: str
    change_type: str
    object_reference: int
    created_at: AwareDatetime
    store: Store | None = None
    market: Market | None = None


def read_event(raw: dict[str, Any]) -> CentraEvent | UnreadableEvent:
    """One raw ``events`` item as a typed event, or why it cannot be read."""
    event_id = raw.get("id")
    try:
        event = _RawEvent.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        return UnreadableEvent(event_id if isinstance(event_id, int) else None, f"{where}: {first['msg']}")
    return CentraEvent(
        id=event.id,
        object_type=event.object_type,
        change_type=event.change_type,
        object_reference=event.object_reference,
        created_at=event.created_at,
        store_id=_int_id(event.store),
        market_id=_int_id(event.market),
    )


class _StockRow(CentraModel):
    warehouse: Store  # any {id} reference
    free_to_allocate_quantity: int


class _StockSize(CentraModel):
    sku: str | None = Field(default=None, alias="SKU")
    stock: list[_StockRow] = Field(default_factory=list)


class _StockLine(CentraModel):
    product_size: _StockSize | None = None


class _StockChange(CentraModel):
    lines: list[_StockLine] = Field(default_factory=list)


def stock_lines(raw: object) -> tuple[list[SkuStock], int] | str:
    """One page of a StockChange's lines as SKUs with stock per warehouse, and how many lines it held; or why not."""
    try:
        change = _StockChange.model_validate(raw if isinstance(raw, dict) else {})
        found = [
            SkuStock(
                sku=line.product_size.sku,
                warehouses=tuple(
                    WarehouseStock(
                        warehouse_id=int(str(row.warehouse.id)), free_to_allocate=row.free_to_allocate_quantity
                    )
                    for row in line.product_size.stock
                ),
            )
            for line in change.lines
            if line.product_size is not None and line.product_size.sku
        ]
    except (ValidationError, ValueError) as exc:
        detail = (
            exc.errors(include_url=False, include_input=False)[0]["msg"]
            if isinstance(exc, ValidationError)
            else "bad warehouse id"
        )
        return f"stock change lines: {detail}"
    return found, len(change.lines)


def _int_id(reference: Store | Market | None) -> int | None:
    if reference is None or reference.id is None:
        return None
    try:
        return int(reference.id)
    except ValueError:
        return None
