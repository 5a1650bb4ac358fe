"""The ingest queue's message: which Centra object changed, and who noticed; the router reads its current state."""

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field, computed_field

from engage_bridge.centra.stock import SkuStock
from engage_bridge.messages.base import QueuedMessage

IngestSource = Literal["events", "webhook", "backfill", "reconcile"]
# "product": a display or product changed; it only marks the product feed stale (product_feed/refresh.py).
IngestObject = Literal["order", "shipment", "return", "customer", "newsletter_subscription", "stock_change", "product"]


class IngestEvent(QueuedMessage):
    """Something changed in Centra: which object, and who noticed. The router fetches its current state.

    Events and webhooks carry ids only, and the object an event names may have changed again since; so the
    message names the object and the router decides from what Centra holds now, plus the ledger.
    ``object_id`` is the order *number* for orders (as Centra's events use it) and the id for everything else.
    """

    source: IngestSource
    object_type: IngestObject
    object_id: int = Field(ge=0)
    change: str | None = Field(default=None, max_length=40)  # event changeType or webhook action
    centra_event_id: int | None = None
    occurred_at: datetime | None = None
    # A stock change names the product sizes it touched, with their free-to-allocate quantity per warehouse as
    # read with the event at ``stock_read_at``; the router sums them per market (BrandConfig.back_in_stock).
    skus: tuple[str, ...] = ()
    stock: tuple[SkuStock, ...] = ()
    stock_read_at: datetime | None = None
    # A large stock change is split into parts (each an SQS message well under its size limit); each part is its
    # own ingest message, so the part number is part of the key.
    stock_part: int | None = Field(default=None, ge=1)
    # By when the change happened at the latest, on this stack's clock: the webhook's arrival, or the event's
    # createdAt plus its allowance (``route_marks``). A read that started later has routed it; None: always route.
    changed_by: AwareDatetime | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def business_key(self) -> str:
        # The poller and the webhook may both report one change: the key keeps their sources apart, and the
        # router's effects are deduplicated downstream anyway (handlers key on the effect, not on this).
        seen = self.centra_event_id if self.centra_event_id is not None else self.occurred_at
        part = f":part{self.stock_part}" if self.stock_part is not None else ""
        return f"ingest:{self.source}:{self.object_type}:{self.object_id}:{self.change or ''}:{seen}{part}"

    @property
    def correlation_id(self) -> str:
        return f"{self.object_type}:{self.object_id}"
