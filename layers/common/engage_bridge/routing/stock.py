"""Routing stock levels (seed 004): the absolute free-to-allocate quantity per SKU and market, never a delta."""

from datetime import datetime

from engage_bridge.centra import StockLevel
from engage_bridge.config import BrandConfig
from engage_bridge.messages import StockUpdate
from engage_bridge.routing.decision import Decision, Routed, Skipped


def route_stock(levels: list[StockLevel], event_time: datetime, cfg: BrandConfig) -> Decision:
    """One ``StockUpdate`` per SKU and market, stamped ``event_time`` (timezone-aware).

    "Only when it changed since the last one sent" is the stock handler's check against the state table, made
    where the level is committed; repeating it here would read the table twice and could race with it. With
    ``back_in_stock.relay_stock_levels`` off every level is skipped (``stock_relay_off``).
    A level without a SKU or a market id cannot be matched to a subscription, and a level read twice (one SKU
    named twice by an event) is sent once.
    """
    if event_time.utcoffset() is None:
        raise ValueError("event_time must be timezone-aware")
    decision = Decision()
    if not cfg.back_in_stock.relay_stock_levels:
        # Voyado's own Centra integration relays stock levels for this brand (docs/back-in-stock.md).
        decision.skipped.extend(Skipped("stock_relay_off", f"stock:{level.reference}") for level in levels)
        return decision
    seen: set[str] = set()
    for level in levels:
        subject = f"stock:{level.reference}"
        if level.product_size is None or not level.product_size.sku:
            decision.skipped.append(Skipped("no_sku", subject))
        elif level.market is None or level.market.id is None or str(level.market.id) == "":
            decision.skipped.append(Skipped("no_market", subject))
        elif level.reference in seen:
            decision.skipped.append(Skipped("duplicate_level", subject))
        else:
            seen.add(level.reference)
            decision.routed.append(Routed.of(StockUpdate(level=level, event_time=event_time)))
    return decision
