"""Stock: free-to-allocate quantity per SKU and warehouse as Centra holds it, and per SKU and market as Engage wants it.

Centra keeps stock per product size and warehouse (``ProductSize.stock``, ``MD:Stock``); a market sees the
warehouses of its allocation rule (centra.dev dictionary, "Allocation Rule"). The rule's warehouse list has no
published field name, so the brand configures market -> warehouses (``back_in_stock.warehouses_by_market``) and a
market's level is the sum of the free-to-allocate quantities of its warehouses (docs/mapping.md, "Stock").
"""

from collections.abc import Iterable, Mapping, Sequence

from pydantic import Field

from engage_bridge.centra.base import CentraModel, Market, ProductSize

_QUANTITY = Field(ge=-(10**9), le=10**9)


class WarehouseStock(CentraModel):
    warehouse_id: int
    free_to_allocate: int = _QUANTITY


class SkuStock(CentraModel):
    """One SKU's free-to-allocate quantity in each warehouse that holds it, as read with a stock change."""

    sku: str = Field(min_length=1)
    warehouses: tuple[WarehouseStock, ...] = ()


class StockLevel(CentraModel):
    """Absolute, not a delta: Engage wants the latest free-to-allocate quantity per SKU and market id."""

    typename: str | None = Field(default=None, alias="__typename")
    product_size: ProductSize | None = None
    market: Market | None = None
    free_to_allocate_quantity: int = _QUANTITY

    @property
    def reference(self) -> str:
        sku = self.product_size.sku if self.product_size and self.product_size.sku else "<no sku>"
        market = self.market.id if self.market and self.market.id is not None else "<no market>"
        return f"{sku}@{market}"


def market_levels(stock: Iterable[SkuStock], warehouses_by_market: Mapping[str, Sequence[int]]) -> list[StockLevel]:
    """Per SKU, one level for each market that sees at least one warehouse holding it: the sum over those warehouses.

    A market none of whose warehouses holds the SKU gets no level (Centra has no stock row to report).
    """
    levels: list[StockLevel] = []
    for item in stock:
        by_warehouse = {row.warehouse_id: row.free_to_allocate for row in item.warehouses}
        for market_id, warehouses in sorted(warehouses_by_market.items()):
            held = [by_warehouse[w] for w in dict.fromkeys(warehouses) if w in by_warehouse]
            if held:
                levels.append(
                    StockLevel(
                        product_size=ProductSize(SKU=item.sku),
                        market=Market(id=market_id),
                        free_to_allocate_quantity=sum(held),
                    )
                )
    return levels
