"""``POST /api/v3/receipts``: purchases and returns of members."""

from typing import Literal

from engage_bridge.engage.models.base import DateTime, EngageModel, Money, Number
from engage_bridge.engage.models.parts import ContactMatch, Discount, PaymentMethod, TaxDetail


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
