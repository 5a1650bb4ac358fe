"""A Centra DTC order with its lines, shipments and returns, as the Integration API returns it."""

from decimal import Decimal

from pydantic import AwareDatetime, Field

from engage_bridge.centra.base import CentraModel, Market, ProductSize
from engage_bridge.centra.common import (
    Address,
    Attribute,
    MonetaryValue,
    Percent,
    Pricelist,
    Quantity,
    Rate,
    Store,
    Text,
)
from engage_bridge.centra.customer import Customer


class MediaSource(CentraModel):
    url: str | None = None


class Media(CentraModel):
    source: MediaSource | None = None


class ProductVariant(CentraModel):
    id: int | str | None = None
    name: str | None = None
    media: list[Media] = Field(default=[])


class Category(CentraModel):
    name: str | None = None


class OrderLine(CentraModel):
    id: int
    size: Text = ""
    product_number: str | None = None
    product_name: str | None = None
    product_variant_name: Text = ""
    product_external_url: str | None = None
    quantity: Quantity  # current units; cancelled units are in cancelledQuantity
    cancelled_quantity: Quantity = 0
    unit_original_price: MonetaryValue
    unit_price: MonetaryValue
    line_value: MonetaryValue  # what the customer pays for ``quantity`` units, discounts applied
    tax_percent: Percent
    product_size: ProductSize | None = None
    product_variant: ProductVariant | None = None
    category: Category | None = None

    @property
    def image_url(self) -> str:
        variant = self.product_variant
        if variant and variant.media and variant.media[0].source and variant.media[0].source.url:
            return variant.media[0].source.url
        return ""


class LineReference(CentraModel):
    id: int


class ShipmentLine(CentraModel):
    id: int
    quantity: Quantity
    order_line: LineReference


class Shipment(CentraModel):
    id: int
    number: str  # "<order number>-<delivery appendix>", e.g. "39790-1"
    created_at: AwareDatetime
    shipped_at: AwareDatetime | None = None
    is_shipped: bool = False
    tracking_number: str | None = None
    lines: list[ShipmentLine] = Field(default=[])

    @property
    def is_completed(self) -> bool:
        return self.is_shipped or self.shipped_at is not None


class ReturnLine(CentraModel):
    id: int
    quantity: Quantity
    shipment_line: LineReference


class PaymentHistoryEntry(CentraModel):
    id: int | str | None = None
    created_at: AwareDatetime | None = None
    status: str | None = None
    entry_type: str | None = None
    value: MonetaryValue | None = None


class ReturnTotals(CentraModel):
    """Fees on a return as Centra reports them: a negative handling value is a fee the customer pays."""

    shipping: MonetaryValue | None = None
    handling: MonetaryValue | None = None


class Return(CentraModel):
    id: int
    return_status: str | None = None  # ReturnStatus; COMPLETED once the return is done
    created_at: AwareDatetime
    lines: list[ReturnLine] = Field(default=[])
    totals: ReturnTotals | None = None
    refund_payment_history: list[PaymentHistoryEntry] = Field(default=[])

    @property
    def is_completed(self) -> bool:
        return (self.return_status or "").upper() == "COMPLETED"


class OrderTotals(CentraModel):
    shipping: MonetaryValue | None = None
    handling: MonetaryValue | None = None
    tax_deducted: MonetaryValue | None = None


class ShippingOption(CentraModel):
    name: str | None = None


class ShippingPriceGroup(CentraModel):
    shipping_option: ShippingOption | None = None


class PaymentMethod(CentraModel):
    name: str | None = None  # the brand's name for the method, e.g. "Credit Card" -> Engage payment type
    uri: str | None = None
    plugin: str | None = None  # the payment provider, e.g. "Klarna" -> extraData.paymentMethodName


class VoucherInfo(CentraModel):
    name: str | None = None
    code: str | None = None
    type: str | None = None


class AppliedVoucher(CentraModel):
    value: MonetaryValue | None = None
    voucher: VoucherInfo | None = None


class Order(CentraModel):
    typename: str | None = Field(default=None, alias="__typename")
    id: str | None = None
    number: int
    status: str
    is_on_hold: bool | None = None  # on hold, which includes waiting for the payment provider (docs/mapping.md)
    created_at: AwareDatetime
    store: Store | None = None
    market: Market | None = None
    pricelist: Pricelist | None = None
    currency_base_rate: Rate = Decimal(1)  # local currency -> the Centra base (group) currency
    grand_total: MonetaryValue
    totals: OrderTotals | None = None
    shipping_price_group: ShippingPriceGroup | None = None
    payment_method: PaymentMethod | None = None
    payment_history: list[PaymentHistoryEntry] = Field(default=[])
    discounts_applied: list[AppliedVoucher] = Field(default=[])
    lines: list[OrderLine] = Field(default=[])
    billing_address: Address | None = None
    shipping_address: Address | None = None
    customer: Customer | None = None
    attributes: list[Attribute] = Field(default=[])
    shipments: list[Shipment] = Field(default=[])  # read by ShipmentFilter.orderId, then attached
    returns: list[Return] = Field(default=[])

    @property
    def reference(self) -> str:
        """How errors and logs name the order: its number, never personal data."""
        return str(self.number)

    @property
    def shipping_method(self) -> str:
        group = self.shipping_price_group
        if group and group.shipping_option and group.shipping_option.name:
            return group.shipping_option.name
        return ""

    @property
    def email(self) -> str | None:
        if self.customer and self.customer.email:
            return self.customer.email
        if self.billing_address and self.billing_address.email:
            return self.billing_address.email
        return None
