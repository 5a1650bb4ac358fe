"""The demo shop's fixed world: two markets in two currencies, a small catalogue, names to draw people from.

Market ids 1 and 2 are the ones ``brand.example.json`` maps to product-feed locales, and "Rest of World" is the
market name that configuration aliases to the Engage store ``RestOfWorld`` (a name with spaces needs one).
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Market:
    id: int
    name: str
    currency: str
    base_rate: Decimal  # currencyBaseRate: to the group currency (EUR)
    tax_percent: int
    shipping: Decimal
    return_fee: Decimal  # what a customer pays for a paid return
    countries: tuple[tuple[str, str, str], ...]  # (name, ISO code, mobile prefix)
    pricelist: str
    warehouse_id: int  # the one warehouse of the market's allocation rule (brand.example.json warehouses_by_market)


MARKETS = (
    Market(
        1, "Sweden", "SEK", Decimal("0.0874"), 25, Decimal(49), Decimal(49), (("Sweden", "SE", "+4670"),), "SEK", 101
    ),
    Market(
        2,
        "Rest of World",
        "EUR",
        Decimal(1),
        21,
        Decimal("5.90"),
        Decimal(5),
        (("Germany", "DE", "+49151"), ("Netherlands", "NL", "+316"), ("Finland", "FI", "+35840")),
        "EUR",
        102,
    ),
)
WAREHOUSES = ({"id": 101, "name": "Stockholm"}, {"id": 102, "name": "Rotterdam"})
MARKET_OF_WAREHOUSE = {market.warehouse_id: market.id for market in MARKETS}
DTC_STORE = {"id": 1, "name": "Retail", "type": "DIRECT_TO_CONSUMER"}
WHOLESALE_STORE = {"id": 2, "name": "Wholesale", "type": "WHOLESALE"}


@dataclass(frozen=True)
class Product:
    number: str
    name: str
    category: str
    sizes: tuple[str, ...]
    price_sek: Decimal
    price_eur: Decimal

    def sku(self, size: str) -> str:
        return f"{self.number}-{size}"


PRODUCTS = (
    Product("TEE100", "Organic Tee", "Tops", ("S", "M", "L"), Decimal(299), Decimal("29.00")),
    Product("HOOD200", "Hoodie", "Tops", ("S", "M", "L"), Decimal(899), Decimal("89.00")),
    Product("CAP300", "Cap", "Accessories", ("ONE",), Decimal(249), Decimal("25.00")),
    Product("BAG400", "Tote Bag", "Accessories", ("ONE",), Decimal(499), Decimal("49.00")),
    Product("SOCK500", "Wool Socks", "Accessories", ("39", "42"), Decimal(129), Decimal("12.90")),
    Product("JKT600", "Rain Jacket", "Outerwear", ("M", "L"), Decimal(1499), Decimal("149.00")),
    Product("SCARF700", "Scarf", "Accessories", ("ONE",), Decimal(399), Decimal("39.00")),
    Product("BEANIE800", "Beanie", "Accessories", ("ONE",), Decimal(199), Decimal("19.00")),
)
ALL_SKUS = tuple((product, size) for product in PRODUCTS for size in product.sizes)

VOUCHERS = (("Welcome 10%", "WELCOME10", Decimal(10)), ("Spring 20%", "SPRING20", Decimal(20)))
PAYMENT_METHODS = (("Credit Card", "card", "Adyen"), ("Klarna", "klarna", "Klarna"))

FIRST_NAMES = (
    ("Anna", "FEMALE"),
    ("Erik", "MALE"),
    ("Sofia", "FEMALE"),
    ("Lars", "MALE"),
    ("Maja", "FEMALE"),
    ("Jonas", "MALE"),
    ("Emma", "FEMALE"),
    ("Lukas", "MALE"),
    ("Åsa", "FEMALE"),
    ("Mikko", "MALE"),
    ("Sanne", "FEMALE"),
    ("Pieter", "MALE"),
)
LAST_NAMES = ("Svensson", "Lindqvist", "Berg", "Nilsson", "Müller", "de Vries", "Virtanen", "Holm", "Janssen")
STREETS = ("Storgatan", "Hauptstraße", "Keizersgracht", "Mannerheimintie", "Drottninggatan", "Prinsengracht")
CITIES = {
    "SE": ("Stockholm", "Göteborg", "Malmö"),
    "DE": ("Berlin", "Hamburg"),
    "NL": ("Amsterdam",),
    "FI": ("Helsinki",),
}
WHOLESALE_ACCOUNTS = (("Boutique Nord AB", "Sweden"), ("Stadtladen GmbH", "Germany"))

# Product names in the displays' translations (the display's own texts are English, the store's default language).
TRANSLATED_NAMES = {
    "sv": {
        "TEE100": "Ekologisk t-shirt",
        "HOOD200": "Huvtröja",
        "CAP300": "Keps",
        "BAG400": "Tygkasse",
        "SOCK500": "Ullstrumpor",
        "JKT600": "Regnjacka",
        "SCARF700": "Halsduk",
        "BEANIE800": "Mössa",
    },
    "de": {
        "TEE100": "Bio-T-Shirt",
        "HOOD200": "Kapuzenpullover",
        "CAP300": "Kappe",
        "BAG400": "Stofftasche",
        "SOCK500": "Wollsocken",
        "JKT600": "Regenjacke",
        "SCARF700": "Schal",
        "BEANIE800": "Mütze",
    },
}


def displays() -> list[dict[str, object]]:
    """One display per product, shown in both markets, in Centra's Integration API shape (centra-wave2.md §5)."""
    entries: list[dict[str, object]] = []
    for number, product in enumerate(PRODUCTS, start=1):
        slug = product.name.lower().replace(" ", "-")
        translations = [
            {
                "language": {"languageCode": language},
                "fields": [
                    {"field": "name", "value": names[product.number]},
                    {"field": "description", "value": f"{names[product.number]} ({product.category})"},
                    {"field": "uri", "value": f"{slug}-{language}"},
                ],
            }
            for language, names in sorted(TRANSLATED_NAMES.items())
        ]
        entries.append(
            {
                "id": number,
                "name": product.name,
                "status": "ACTIVE",
                "uri": slug,
                "description": f"{product.name} ({product.category})",
                "markets": [{"id": market.id} for market in MARKETS],
                "prices": [
                    {
                        "pricelist": {"id": 1, "name": "SEK"},
                        "price": {"value": float(product.price_sek), "currency": {"code": "SEK"}},
                    },
                    {
                        "pricelist": {"id": 2, "name": "EUR"},
                        "price": {"value": float(product.price_eur), "currency": {"code": "EUR"}},
                    },
                ],
                "media": [{"source": {"url": f"https://media.brand.example/{product.number}.jpg"}}],
                "translations": translations,
                "productVariants": [
                    {
                        "id": number * 10 + 1,
                        "name": "Default",
                        "productSizes": [
                            {"SKU": product.sku(size), "EAN": f"735{number:03d}{index:06d}"}
                            for index, size in enumerate(product.sizes, start=1)
                        ],
                    }
                ],
            }
        )
    return entries
