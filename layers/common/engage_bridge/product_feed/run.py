"""One feed run: per configured market, read its displays once, write each of its locales' feed and its SKU index.

The SKU index (``DynamoSkuCatalogue``) is what the subscription endpoint checks a SKU against: the SKUs of the
market's feed, so a shopper can subscribe to exactly what Engage can match (engage-wave2.md §6).
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Protocol
from urllib.parse import urlsplit

from msgspec import Struct, field

from engage_bridge.centra.display import Display
from engage_bridge.config import BrandConfig
from engage_bridge.errors import ConfigError
from engage_bridge.product_feed.document import render
from engage_bridge.product_feed.items import FeedScope, feed_items


class DisplaySource(Protocol):
    def displays_in_market(
        self, market_id: int, warehouse_ids: Sequence[int], *, image_size: str = "standard", page_size: int = 50
    ) -> tuple[list[Display], list[int]]: ...


class FeedStore(Protocol):
    def put(self, locale: str, body: bytes) -> str: ...


class SkuIndex(Protocol):
    def record(self, market_id: str, skus: Iterable[str]) -> int: ...


class FeedFile(Struct, frozen=True):
    locale: str
    market_id: str
    key: str
    items: int
    out_of_stock: int
    size_bytes: int


class FeedRun(Struct):
    files: list[FeedFile] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    unreadable_displays: list[int] = field(default_factory=list)
    skus_indexed: dict[str, int] = field(default_factory=dict)


def write_feeds(cfg: BrandConfig, centra: DisplaySource, store: FeedStore, index: SkuIndex) -> FeedRun:
    settings = cfg.back_in_stock.product_feed
    if settings.product_url_template is None:
        raise ConfigError("back_in_stock.product_feed.product_url_template", "not set: the product feed is off")
    run = FeedRun()
    origin = urlsplit(settings.product_url_template)
    for market_id, locales in sorted(cfg.back_in_stock.locales_by_market.items()):
        if not locales:
            continue
        if not market_id.isdigit():
            raise ConfigError(f"back_in_stock.locales_by_market.{market_id}", "a Centra market id (a number)")
        warehouses = sorted(set(cfg.back_in_stock.warehouses_by_market.get(market_id, [])))
        displays, unreadable = centra.displays_in_market(int(market_id), warehouses, image_size=settings.image_size)
        run.unreadable_displays.extend(unreadable)
        for number, locale in enumerate(locales):
            scope = FeedScope(
                market_id=market_id,
                locale=locale,
                pricelist_id=settings.pricelist_by_market[market_id],
                warehouse_ids=frozenset(warehouses),
            )
            feed = feed_items(displays, scope, settings)
            if number == 0:  # every locale of a market lists the same sizes: index and count skips once
                run.skus_indexed[market_id] = index.record(market_id, feed.skus)
                run.skipped.update(feed.skipped)
            title = f"{settings.brand or origin.hostname} {locale}"
            body = render(feed.items, locale=locale, title=title, link=f"{origin.scheme}://{origin.netloc}/")
            key = store.put(locale, body)
            run.files.append(FeedFile(locale, market_id, key, len(feed.items), feed.out_of_stock, len(body)))
    return run
