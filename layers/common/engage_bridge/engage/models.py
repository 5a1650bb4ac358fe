"""Request bodies the bridge sends to Engage, shaped like the bodies Centra's plugin sends (seed 001).

Serialisation rules, all in one place:
- money is ``Decimal`` and goes out as a two-decimal string ("199.00"), as in seed 001;
- plain numbers (exchange rates, receipt tax percent) go out as JSON numbers, integral ones without a fraction;
- datetimes are timezone-aware and go out as ISO 8601 with offset, to the second;
- ``None`` means "absent": ``body()`` drops it, so an optional field never reaches Engage as ``null``.
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    RootModel,
    field_validator,
)
from pydantic.alias_generators import to_camel

_CENT = Decimal("0.01")


def money_text(value: Decimal) -> str:
    """``Decimal`` -> "12.30", rounding half up; never "-0.00"."""
    rounded = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    return "0.00" if rounded.is_zero() else f"{rounded:f}"


def json_number(value: Decimal) -> int | float:
    """A JSON number: integral values without a fraction (``1``, ``25``), others as the nearest double."""
    return int(value) if value == value.to_integral_value() else float(value)


def iso_datetime(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


Money = Annotated[Decimal, PlainSerializer(money_text, return_type=str)]
Number = Annotated[Decimal, PlainSerializer(json_number, return_type=int | float)]
DateTime = Annotated[AwareDatetime, PlainSerializer(iso_datetime, return_type=str)]


class EngageModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid", defer_build=True
    )

    def body(self) -> dict[str, Any]:
        """The JSON body: Engage's field names, no ``None`` values."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class ContactMatch(EngageModel):
    match_key: str
    match_key_type: Literal["email", "contactId"]


# ---- /api/v2/orders: transactional e-mail triggers ----


class OrderItemExtraData(EngageModel):
    size: str
    variation: str
    is_sale: bool


class Discount(EngageModel):
    type: str = "Discount"
    description: str = "Discount"
    value: Money


class OrderItem(EngageModel):
    type: Literal["purchase", "return"]
    sku: str
    quantity: int
    description: str
    gross_paid_price: Money
    image_url: str
    target_url: str
    tax_amount: Money
    tax_percent: Money
    extra_data: OrderItemExtraData
    discounts: list[Discount]
    gross_paid_price_per_unit: Money
    original_price: Money
    original_price_per_unit: Money
    discounted: bool


class Fee(EngageModel):
    value: Money
    tax: Money


class PaymentMethod(EngageModel):
    type: str
    description: str
    value: Money


class TaxDetail(EngageModel):
    description: str
    value: Money


class OrderExtraData(EngageModel):
    billing_address_first_name: str
    billing_address_last_name: str
    billing_address_street: str
    billing_address_street2: str
    billing_address_city: str
    billing_address_postal_code: str
    billing_address_country: str
    billing_address_state: str
    billing_telephone_number: str
    shipping_address_first_name: str
    shipping_address_last_name: str
    shipping_address_street: str
    shipping_address_street2: str
    shipping_address_city: str
    shipping_address_postal_code: str
    shipping_address_country: str
    shipping_address_state: str
    shipping_method: str
    tracking_number: str
    tracking_link_html: str = Field(alias="trackingLinkHTML")
    customer_number: str
    tax_deduction: Money
    order_placed: str  # "2020-06-16 20:00:58": local time of the order, no offset (seed 001)
    payment_method_name: str | None = None


class OrderBody(EngageModel):
    """``POST /api/v2/orders``: fires the order, shipping or return e-mail. Engage stores nothing of it."""

    contact: ContactMatch
    order_number: str
    created_date: DateTime
    order_status: str
    payment_status: str
    store_id: str
    language: str  # mandatory per Voyado's field definitions, although seed 001's bodies omit it (audit D10)
    currency: str
    items: list[OrderItem]
    exchange_rate_to_group_currency: Number
    freight_fee: Fee
    handling_fee: Fee
    payment_methods: list[PaymentMethod]
    extra_data: OrderExtraData
    tax_details: list[TaxDetail]
    total_original_price: Money
    total_gross_price: Money
    total_items_price: Money
    any_return_items: bool
    shipping_date: DateTime | None = None


# ---- /api/v3/receipts: purchases and returns of members ----


class NameValue(EngageModel):
    name: str
    value: str | bool


class ReceiptItem(EngageModel):
    type: Literal["purchase", "return"]
    quantity: int  # negative on returns
    gross_paid_price: Money  # positive on returns too
    tax_amount: Money
    tax_percent: Number
    sku: str
    article_number: str
    article_name: str
    article_group: str
    extra_data: list[NameValue]
    discounts: list[Discount]


class Receipt(EngageModel):
    contact: ContactMatch
    unique_receipt_id: str  # Engage ignores a second receipt with the same id
    receipt_number: str
    created_date: DateTime
    store_external_id: str
    currency: str
    exchange_rate_to_group_currency: Number
    total_gross_price: Money  # negative on returns
    tax_details: list[TaxDetail]
    payment_methods: list[PaymentMethod]
    items: list[ReceiptItem]


# ---- contacts ----


def _blank_to_none(value: object) -> object:
    # Engage overwrites a stored value with "" or null, so an empty value must never be sent.
    if isinstance(value, str) and not value.strip():
        return None
    return value


class Preferences(EngageModel):
    accepts_email: bool | None = None


class _ContactFields(EngageModel):
    first_name: str | None = None
    last_name: str | None = None
    birth_day: date | None = None
    gender: Literal["Male", "Female"] | None = None
    mobile_phone: str | None = None
    street: str | None = None
    zip_code: str | None = None
    city: str | None = None
    country_code: str | None = None
    preferences: Preferences | None = None
    # Fields the mapping had a value for but left out, with why (``mobilePhone: invalid``); never sent.
    _left_out: tuple[str, ...] = PrivateAttr(default=())

    @property
    def left_out(self) -> tuple[str, ...]:
        return self._left_out

    def leaving_out(self, *reasons: str) -> Self:
        """A copy of this body noting fields left out on purpose (counted where the body is sent)."""
        copy = self.model_copy()
        copy._left_out = (*self._left_out, *reasons)
        return copy

    @field_validator("*", mode="before")
    @classmethod
    def _drop_blank(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("preferences", mode="after")
    @classmethod
    def _drop_empty_preferences(cls, value: Preferences | None) -> Preferences | None:
        return value if value is not None and value.body() else None


class ContactCreate(_ContactFields):
    """``POST /api/v3/contacts?source=..&storeExternalId=..``: a new contact with everything known about it."""

    contact_type: str
    email: str


class ContactUpdate(_ContactFields):
    """``PATCH /api/v3/contacts/{id}``: only fields that have a value; never null, never empty."""

    def is_empty(self) -> bool:
        return not self.body()


# ---- promotions, stock, back in stock ----


class PromotionRedemption(EngageModel):
    """``POST /api/v3/promotion-assignments/{assignmentId}/redeem``."""

    redemption_channel: Literal["ECOM", "POS", "OTHER"] = "ECOM"


class StockLevel(EngageModel):
    sku: str
    quantity: int  # absolute free-to-allocate quantity, not a delta
    locale: str | None = None
    external_id: str | None = None  # Centra market id, matching the back-in-stock subscription


class StockLevelBatch(RootModel[list[StockLevel]]):
    """``PUT /api/v2/inventory/stock-levels/batch``: a JSON array (the only evidenced path, audit G1)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    def body(self) -> list[dict[str, Any]]:
        return [level.body() for level in self.root]


class BackInStockSubscription(EngageModel):
    """``POST /api/v3/inventory/backinstock/subscriptions``; the contact must already exist."""

    contact_id: str
    sku: str
    locale: str
    external_id: str | None = None


EngageBody = (
    OrderBody
    | Receipt
    | ContactCreate
    | ContactUpdate
    | PromotionRedemption
    | StockLevelBatch
    | BackInStockSubscription
)
