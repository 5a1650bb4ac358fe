"""Feed items from displays (one per size, out of stock kept, every skip counted) and the XML they become."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from engage_bridge.centra.display import Display
from engage_bridge.config import ProductFeed
from engage_bridge.product_feed.document import render
from engage_bridge.product_feed.items import FeedItem, FeedScope, feed_items
from tests.product_feed_format import feed_problems

SETTINGS = ProductFeed(product_url_template="https://brand.example/{language}/p/{uri}", brand="Brand & Co")
SCOPE = FeedScope(market_id="1", locale="sv-SE", pricelist_id=1, warehouse_ids=frozenset({101}))


def display(display_id: int = 1, **changes: object) -> Display:
    document: dict[str, object] = {
        "id": display_id,
        "name": "Tee",
        "status": "ACTIVE",
        "uri": "tee",
        "description": "A tee",
        "prices": [{"pricelist": {"id": 1}, "price": {"value": 299, "currency": {"code": "SEK"}}}],
        "media": [{"source": {"url": "https://media.example/tee.jpg"}}],
        "translations": [
            {
                "language": {"languageCode": "sv"},
                "fields": [{"field": "name", "value": "T-tröja"}, {"field": "uri", "value": "t-tröja"}],
            }
        ],
        "productVariants": [
            {
                "id": 11,
                "productSizes": [
                    {
                        "SKU": f"T{display_id}-S",
                        "EAN": "7350000000017",
                        "stock": [{"warehouse": {"id": 101}, "freeToAllocateQuantity": 3}],
                    },
                    {"SKU": f"T{display_id}-M", "stock": [{"warehouse": {"id": 102}, "freeToAllocateQuantity": 9}]},
                ],
            }
        ],
        **changes,
    }
    return Display.model_validate(document)


def test_one_item_per_size_in_the_locales_language_with_out_of_stock_kept() -> None:
    feed = feed_items([display()], SCOPE, SETTINGS)

    small, medium = feed.items
    assert (small.sku, small.title, small.description, small.price) == ("T1-S", "T-tröja", "A tee", "299.00 SEK")
    assert small.link == "https://brand.example/sv/p/t-tr%C3%B6ja"
    assert (small.availability, small.gtin, small.group_id) == ("in_stock", "7350000000017", "1")
    # 9 in warehouse 102, which is not this market's: out of stock here, and still listed
    assert (medium.availability, medium.gtin) == ("out_of_stock", None)
    assert feed.out_of_stock == 1 and not feed.skipped


def test_what_is_left_out_is_counted_with_why() -> None:
    displays = [
        display(1, status="INACTIVE"),
        display(2, prices=[{"pricelist": {"id": 2}, "price": {"value": 29, "currency": {"code": "EUR"}}}]),
        display(3, productVariants=[{"id": 31, "productSizes": [{"SKU": None}, {"SKU": "T4-S"}]}]),
        display(4),
    ]

    feed = feed_items(displays, SCOPE, SETTINGS)

    assert [item.sku for item in feed.items] == ["T4-S", "T4-M"]
    assert dict(feed.skipped) == {
        "inactive_display": 2,
        "no_price_in_pricelist": 2,
        "no_sku": 1,
        "sku_in_another_display": 1,
    }


def test_a_locale_without_a_translation_gets_the_displays_own_texts() -> None:
    scope = FeedScope(market_id="2", locale="de-DE", pricelist_id=1, warehouse_ids=frozenset())

    [item, _] = feed_items([display()], scope, SETTINGS).items

    assert (item.title, item.link) == ("Tee", "https://brand.example/de/p/tee")


def test_the_written_feed_passes_the_format_check_and_escapes_text() -> None:
    feed = feed_items([display(name='Tee <& "friends">')], SCOPE, SETTINGS)
    items = [*feed.items, FeedItem("X-1", "9", "Fish & <Chips>", "", "https://b.example/x", "1.00 EUR", "in_stock")]

    problems, parsed = feed_problems(render(items, locale="sv-SE", title="Brand sv-SE", link="https://brand.example/"))

    assert problems == ["item 2: no description"]
    assert parsed[2].values["title"] == "Fish & <Chips>"
    assert parsed[0].g("brand") == "Brand & Co" and parsed[0].g("condition") == "new"


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(str.strip)


@settings(deadline=None)  # a shared CI machine's pauses are not the writer's slowness
@given(
    title=_TEXT,
    description=_TEXT,
    sku=st.from_regex(r"[A-Z0-9][A-Z0-9-]{0,20}", fullmatch=True),
    cents=st.integers(min_value=0, max_value=10**9),
)
def test_any_text_and_price_round_trip_through_the_xml(title: str, description: str, sku: str, cents: int) -> None:
    price = f"{Decimal(cents) / 100:.2f} SEK"
    item = FeedItem(sku, "1", title.strip(), description.strip(), "https://b.example/p", price, "out_of_stock")

    problems, [parsed] = feed_problems(render([item], locale="sv-SE", title="t", link="https://b.example/"))

    assert problems == []
    assert (parsed.values["title"], parsed.values["description"]) == (title.strip(), description.strip())
    assert (parsed.g("id"), parsed.g("price"), parsed.g("availability")) == (sku, price, "out_of_stock")
