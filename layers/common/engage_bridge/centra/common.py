"""Building blocks shared by Centra's orders and customers: money, addresses, store/pricelist references, attributes.

Models mirror the JSON of Centra's Integration API (GraphQL): camelCase keys, ``MonetaryValue`` for money.
Unknown keys are ignored, so a query that selects more than we read still parses.
"""

from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field

# The base and the references a stock level names are in ``base``, so a stock level needs no other model.
from engage_bridge.centra.base import CentraModel

# Bounds keep arithmetic inside Decimal's default precision; a value outside them is bad data, not money.
Amount = Annotated[Decimal, Field(allow_inf_nan=False, ge=-(10**12), le=10**12)]
Percent = Annotated[Decimal, Field(allow_inf_nan=False, ge=0, le=100)]
Rate = Annotated[Decimal, Field(allow_inf_nan=False, gt=0, le=10**6)]
Quantity = Annotated[int, Field(ge=-(10**6), le=10**6)]
# GraphQL answers null for an unset nullable String; the mapping treats that as "" (what seed 001 sends).
Text = Annotated[str, BeforeValidator(lambda value: "" if value is None else value)]


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
    elements: list[AttributeElement] = Field(default=[])


def attribute_value(attributes: list[Attribute], name: str) -> str | None:
    """The first non-empty element value of the attribute called ``name``, as text."""
    for attribute in attributes:
        if attribute.type.name != name:
            continue
        for element in attribute.elements:
            if element.value is not None and str(element.value).strip():
                return str(element.value).strip()
    return None
