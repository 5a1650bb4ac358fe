"""``POST /api/v2/orders``: the body that fires an order, shipping or return e-mail."""

from typing import Literal

from pydantic import Field

from engage_bridge.engage.models.base import DateTime, EngageModel, Money, Number
from engage_bridge.engage.models.parts import ContactMatch, Discount, Fee, PaymentMethod, TaxDetail


class OrderItemExtraData(EngageModel):
    size: str
    variation: str
    is_sale: bool


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
