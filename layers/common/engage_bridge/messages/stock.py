"""The stock relay's message: one SKU's free-to-allocate quantity in one market at a moment."""

from datetime import datetime
from typing import ClassVar

from pydantic import AwareDatetime, computed_field

from engage_bridge.centra.stock import StockLevel
from engage_bridge.messages.base import QueuedMessage


class StockUpdate(QueuedMessage):
    """The free-to-allocate quantity of one SKU in one market at ``event_time`` (absolute, not a delta)."""

    # Compared with the last level sent for its SKU and market (``stock#<sku>`` / ``market#<id>``): a copy arriving
    # after it is ``stale``, and a copy arriving at the same moment sends the same absolute level, which changes
    # nothing in Engage.
    deduplicated_by_own_record: ClassVar[bool] = True

    level: StockLevel
    event_time: AwareDatetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def business_key(self) -> str:
        return f"stock:{self.level.reference}:{self.level.free_to_allocate_quantity}:{_stamp(self.event_time)}"

    @property
    def correlation_id(self) -> str:
        return f"stock:{self.level.reference}"


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")
