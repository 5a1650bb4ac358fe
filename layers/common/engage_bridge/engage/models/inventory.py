"""Stock levels and back-in-stock subscriptions."""

from typing import Any

from pydantic import ConfigDict, RootModel

from engage_bridge.engage.models.base import EngageModel


class StockLevel(EngageModel):
    sku: str
    quantity: int  # absolute free-to-allocate quantity, not a delta
    locale: str | None = None
    external_id: str | None = None  # Centra market id, matching the back-in-stock subscription


class StockLevelBatch(RootModel[list[StockLevel]]):
    """``PUT /api/v2/inventory/stock-levels/batch``: a JSON array (the only evidenced path, audit G1)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    def body(self) -> list[dict[str, Any]]:
        return [level.body() for level in self.root]


class BackInStockSubscription(EngageModel):
    """``POST /api/v3/inventory/backinstock/subscriptions``; the contact must already exist."""

    contact_id: str
    sku: str
    locale: str
    external_id: str | None = None
