"""Building blocks shared by every Centra object: money, addresses, store/market/pricelist references, attributes.

Models mirror the JSON of Centra's Integration API (GraphQL): camelCase keys, ``MonetaryValue`` for money.
Unknown keys are ignored, so a query that selects more than we read still parses.
"""

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

# Bounds keep arithmetic inside Decimal's default precision; a value outside them is bad data, not money.
Amount = Annotated[Decimal, Field(allow_inf_nan=False, ge=-(10**12), le=10**12)]
Percent = Annotated[Decimal, Field(allow_inf_nan=False, ge=0, le=100)]
Rate = Annotated[Decimal, Field(allow_inf_nan=False, gt=0, le=10**6)]
Quantity = Annotated[int, Field(ge=-(10**6), le=10**6)]
# GraphQL answers null for an unset nullable String; the mapping treats that as "" (what seed 001 sends).
Text = Annotated[str, BeforeValidator(lambda value: "" if value is None else value)]


class CentraModel(BaseModel):
    # defer_build: a model's validator is built when it first validates, so a function never pays for the
    # Centra types it does not read (bench cold_import).
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        frozen=True,
        str_strip_whitespace=True,
        defer_build=True,
    )


class Currency(CentraModel):
    code: str | None = None


class MonetaryValue(CentraModel):
    """``MonetaryValue {value currency {code}}``; ``value`` includes tax (Centra's ``includingTax`` default)."""

    value: Amount
    currency: Currency | None = None

    @property
    def currency_code(self) -> str | None:
        return self.currency.code if self.currency and self.currency.code else None


class Country(CentraModel):
    name: str | None = None
    code: str | None = None


class Address(CentraModel):
    first_name: Text = ""
    last_name: Text = ""
    address1: Text = ""
    address2: Text = ""
    city: Text = ""
    zip_code: Text = ""
    state_or_province: Text = ""
    country: Country | None = None
    email: str | None = None
    phone_number: Text = ""
    cell_phone_number: Text = ""

    @property
    def country_name(self) -> str | None:
        return self.country.name if self.country and self.country.name else None

    @property
    def country_code(self) -> str | None:
        return self.country.code if self.country and self.country.code else None

    @property
    def phone(self) -> str:
        return self.phone_number or self.cell_phone_number


class Store(CentraModel):
    id: int | str | None = None
    name: str | None = None
    type: str | None = None  # StoreType: DIRECT_TO_CONSUMER | WHOLESALE (| MARKETPLACE in our config)


class Market(CentraModel):
    id: int | str | None = None
    name: str | None = None


class Pricelist(CentraModel):
    id: int | str | None = None
    name: str | None = None


class AttributeType(CentraModel):
    name: str


class AttributeElement(CentraModel):
    key: str | None = None
    value: str | int | float | bool | None = None


class Attribute(CentraModel):
    """A custom attribute: ``attributes {type {name} elements {key ... on AttributeStringElement {value}}}``."""

    type: AttributeType
    elements: list[AttributeElement] = Field(default_factory=list)


def attribute_value(attributes: list[Attribute], name: str) -> str | None:
    """The first non-empty element value of the attribute called ``name``, as text."""
    for attribute in attributes:
        if attribute.type.name != name:
            continue
        for element in attribute.elements:
            if element.value is not None and str(element.value).strip():
                return str(element.value).strip()
    return None


# A product size as order lines and stock levels name it (here, so the stock relay needs no order model).
class ProductSize(CentraModel):
    sku: str | None = Field(default=None, alias="SKU")
    ean: str | None = Field(default=None, alias="EAN")
