"""Stock levels for Engage's back-in-stock (seed 004): absolute free-to-allocate quantity per SKU and market."""

from engage_bridge.centra.stock import StockLevel
from engage_bridge.config import BrandConfig
from engage_bridge.engage.models import BackInStockSubscription, StockLevelBatch
from engage_bridge.engage.models import StockLevel as EngageStockLevel
from engage_bridge.errors import MappingError


def stock_levels(level: StockLevel, cfg: BrandConfig) -> StockLevelBatch:
    """One entry per product-feed locale of the market (none configured: one entry without locale).

    ``externalId`` is the Centra market id, which subscriptions carry too. Centra can report a negative
    free-to-allocate quantity when oversold; Engage gets 0, which means "not in stock" all the same.
    """
    sku = level.product_size.sku if level.product_size else None
    if not sku:
        raise MappingError("stock_level", level.reference, "productSize.SKU", "missing")
    if level.market is None or level.market.id is None or not str(level.market.id).strip():
        raise MappingError("stock_level", level.reference, "market.id", "missing")
    market_id = str(level.market.id).strip()
    quantity = max(level.free_to_allocate_quantity, 0)
    locales: list[str | None] = list(cfg.back_in_stock.locales_by_market.get(market_id, [])) or [None]
    return StockLevelBatch(
        [EngageStockLevel(sku=sku, quantity=quantity, locale=locale, external_id=market_id) for locale in locales]
    )


def back_in_stock_subscription(contact_id: str, sku: str, locale: str, market_id: str) -> BackInStockSubscription:
    """A subscription for an existing contact; ``market_id`` must match the stock levels' ``externalId``."""
    for field, value in (("contactId", contact_id), ("sku", sku), ("locale", locale), ("marketId", market_id)):
        if not value.strip():
            raise MappingError("back_in_stock_subscription", sku.strip() or "<no sku>", field, "missing")
    return BackInStockSubscription(contact_id=contact_id, sku=sku, locale=locale, external_id=market_id)
