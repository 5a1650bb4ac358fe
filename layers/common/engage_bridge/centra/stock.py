"""A stock level: the free-to-allocate quantity of one SKU in one market (seed 004)."""

from pydantic import Field

from engage_bridge.centra.common import CentraModel, Market
from engage_bridge.centra.order import ProductSize


class StockLevel(CentraModel):
    """Absolute, not a delta: Engage wants the latest free-to-allocate quantity per SKU and market id."""

    typename: str | None = Field(default=None, alias="__typename")
    product_size: ProductSize | None = None
    market: Market | None = None
    free_to_allocate_quantity: int = Field(ge=-(10**9), le=10**9)

    @property
    def reference(self) -> str:
        sku = self.product_size.sku if self.product_size and self.product_size.sku else "<no sku>"
        market = self.market.id if self.market and self.market.id is not None else "<no market>"
        return f"{sku}@{market}"
