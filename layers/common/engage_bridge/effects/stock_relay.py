"""Stock levels for back-in-stock (seed 004): the absolute free-to-allocate quantity per SKU and market.

A level is sent only when it differs from the last one sent for that SKU and market, and never when a newer
event already went out (events arrive out of order). The mark is committed only after Engage accepted the
level, so a failed send is retried rather than mistaken for "unchanged".
"""

from engage_bridge.effects.services import Services
from engage_bridge.mapping import stock_levels
from engage_bridge.messages import StockUpdate
from engage_bridge.outcome import Outcome


def relay_stock(services: Services, message: StockUpdate) -> Outcome:
    batch = stock_levels(message.level, services.config)
    first = batch.root[0]  # every entry shares SKU, quantity and market; they differ only by locale
    market_id = first.external_id or ""
    change = services.store.compare_stock(first.sku, market_id, first.quantity, message.event_time)
    if change != "changed":
        return Outcome("skipped", change)
    services.engage.update_stock_levels(batch.body())
    services.store.commit_stock(first.sku, market_id, first.quantity, message.event_time)
    return Outcome("sent", "stock_level")
