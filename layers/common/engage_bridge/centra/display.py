"""Displays: what a shop shows in a market, the product feed's source (``DISPLAYS_IN_MARKET``, centra-wave2.md §5).

A display groups product variants; each variant has sizes, and a size is what a shopper buys and subscribes to
(its ``SKU``, seed 004). Prices hang on the display, one per pricelist; texts in other languages come as
``translations`` (``TranslatedField.field``/``value`` are assumptions the doctor checks).
"""

from pydantic import Field

from engage_bridge.centra.base import CentraModel
from engage_bridge.centra.common import MonetaryValue, Text

_QUANTITY = Field(ge=-(10**9), le=10**9)


class _Reference(CentraModel):
    id: int | None = None


class _Warehouse(CentraModel):
    id: int


class SizeStock(CentraModel):
    warehouse: _Warehouse
    free_to_allocate_quantity: int = _QUANTITY


class DisplaySize(CentraModel):
    sku: str | None = Field(default=None, alias="SKU")
    ean: str | None = Field(default=None, alias="EAN")
    stock: tuple[SizeStock, ...] = ()

    def free_to_allocate(self, warehouse_ids: frozenset[int]) -> int:
        """Free to allocate in the market's warehouses (the sum, as the stock relay counts it)."""
        return sum(row.free_to_allocate_quantity for row in self.stock if row.warehouse.id in warehouse_ids)


class DisplayVariant(CentraModel):
    id: int | None = None
    name: Text = ""
    product_sizes: tuple[DisplaySize, ...] = ()


class DisplayPrice(CentraModel):
    pricelist: _Reference | None = None
    price: MonetaryValue | None = None


class _MediaSource(CentraModel):
    url: str | None = None


class DisplayMedia(CentraModel):
    source: _MediaSource | None = None


class _Language(CentraModel):
    language_code: str | None = None


class TranslatedField(CentraModel):
    field: str
    value: str | None = None


class Translation(CentraModel):
    language: _Language
    fields: tuple[TranslatedField, ...] = ()


class Display(CentraModel):
    id: int
    name: Text = ""
    status: str | None = None
    uri: Text = ""
    description: Text = ""
    media: tuple[DisplayMedia, ...] = ()
    prices: tuple[DisplayPrice, ...] = ()
    translations: tuple[Translation, ...] = ()
    product_variants: tuple[DisplayVariant, ...] = ()

    def text(self, name: str, language_code: str) -> str:
        """``name`` (``name``, ``description`` or ``uri``) in ``language_code``, else the display's own."""
        for translation in self.translations:
            if (translation.language.language_code or "").lower() == language_code.lower():
                for field in translation.fields:
                    if field.field == name and field.value:
                        return field.value.strip()
        own = getattr(self, name)
        return own if isinstance(own, str) else ""

    def price_in(self, pricelist_id: int) -> MonetaryValue | None:
        for entry in self.prices:
            if entry.pricelist and entry.pricelist.id == pricelist_id and entry.price is not None:
                return entry.price
        return None

    @property
    def image_url(self) -> str | None:
        for medium in self.media:
            if medium.source and medium.source.url:
                return medium.source.url
        return None
