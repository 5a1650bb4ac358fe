"""One market's displays -> the feed items of one locale: one item per size, out-of-stock sizes kept.

Engage matches stock levels and back-in-stock subscriptions to its feed by SKU, and back in stock needs every
product, in stock or not (engage-wave2.md §6); so ``g:id`` is the size SKU the rest of the bridge sends (stock
levels, receipts, subscriptions), ``g:item_group_id`` the display, ``g:gtin`` the EAN. Texts and the URI come in the
locale's language when the display has a translation, else in the store's default language.
"""

from collections import Counter
from decimal import Decimal
from urllib.parse import quote

from msgspec import Struct, field

from engage_bridge.centra.display import Display
from engage_bridge.config import ProductFeed

IN_STOCK = "in_stock"
OUT_OF_STOCK = "out_of_stock"
_CENT = Decimal("0.01")


class FeedItem(Struct, frozen=True):
    sku: str
    group_id: str
    title: str
    description: str
    link: str
    price: str  # "199.00 SEK", Google Merchant's form (engage-wave2.md §6)
    availability: str
    gtin: str | None = None
    image_link: str | None = None
    brand: str | None = None


class MarketFeed(Struct):
    """What one market's displays give: the items of one locale, and why sizes were left out."""

    items: list[FeedItem] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def skus(self) -> list[str]:
        return [item.sku for item in self.items]

    @property
    def out_of_stock(self) -> int:
        return sum(1 for item in self.items if item.availability == OUT_OF_STOCK)


class FeedScope(Struct, frozen=True):
    """The market and locale a feed is for, and where its prices and stock come from."""

    market_id: str
    locale: str
    pricelist_id: int
    warehouse_ids: frozenset[int]

    @property
    def language(self) -> str:
        return self.locale.split("-")[0]

    @property
    def country(self) -> str:
        return self.locale.split("-")[1]


def product_link(template: str, uri: str, scope: FeedScope) -> str:
    return (
        template.replace("{uri}", quote(uri.strip("/"), safe="/"))
        .replace("{locale}", scope.locale)
        .replace("{language}", scope.language)
        .replace("{country}", scope.country)
        .replace("{market}", quote(scope.market_id, safe=""))
    )


def feed_items(displays: list[Display], scope: FeedScope, settings: ProductFeed) -> MarketFeed:
    """The items of ``scope``'s feed, in display and size order; a SKU in two displays is listed once."""
    if settings.product_url_template is None:
        raise ValueError("product_url_template is not set: the feed is off")
    feed = MarketFeed()
    seen: set[str] = set()
    for display in sorted(displays, key=lambda d: d.id):
        sizes = [size for variant in display.product_variants for size in variant.product_sizes]
        # Status values are inferred (contract: Status); anything but ACTIVE is not for sale.
        if display.status is not None and display.status != "ACTIVE":
            feed.skipped["inactive_display"] += len(sizes)
            continue
        price = display.price_in(scope.pricelist_id)
        if price is None or not price.currency_code:
            feed.skipped["no_price_in_pricelist"] += len(sizes)
            continue
        title = display.text("name", scope.language)
        description = display.text("description", scope.language) or title
        link = product_link(settings.product_url_template, display.text("uri", scope.language), scope)
        amount = f"{price.value.quantize(_CENT)} {price.currency_code}"
        for size in sizes:
            if not size.sku:
                feed.skipped["no_sku"] += 1
                continue
            if size.sku in seen:
                feed.skipped["sku_in_another_display"] += 1
                continue
            seen.add(size.sku)
            in_stock = size.free_to_allocate(scope.warehouse_ids) > 0
            feed.items.append(
                FeedItem(
                    sku=size.sku,
                    group_id=str(display.id),
                    title=title,
                    description=description,
                    link=link,
                    price=amount,
                    availability=IN_STOCK if in_stock else OUT_OF_STOCK,
                    gtin=size.ean or None,
                    image_link=display.image_url,
                    brand=settings.brand,
                )
            )
    return feed
