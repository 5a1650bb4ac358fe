"""Structural models of a shop file entry: the fields the fake relies on, everything else passes through.

Entries are stored in the JSON shape the Integration API returns (``docs/shop-format.md``), so these
models only pin what the fake reads or changes: ids, numbers, quantities and links between entries.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

NonNegative = Annotated[StrictInt, Field(ge=0)]
Positive = Annotated[StrictInt, Field(gt=0)]
Text = Annotated[StrictStr, Field(min_length=1)]
DateTimeText = Annotated[StrictStr, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="allow")


class IdRef(_Entry):
    id: StrictInt


class CurrencyRef(_Entry):
    code: Annotated[StrictStr, Field(pattern=r"^[A-Z]{3}$")]


class Money(_Entry):
    value: float
    currency: CurrencyRef


class StoreEntry(_Entry):
    id: StrictInt
    name: Text
    type: Literal["DIRECT_TO_CONSUMER", "WHOLESALE"]


class MarketEntry(_Entry):
    id: StrictInt
    name: Text


class CustomerEntry(_Entry):
    id: StrictInt
    email: Text
    registered: StrictBool
    newsletter: StrictBool
    createdAt: DateTimeText
    updatedAt: DateTimeText
    store: IdRef


class AccountEntry(_Entry):
    id: StrictInt
    name: Text


class NewsletterSubscriptionEntry(_Entry):
    id: StrictInt
    email: Text
    subscribed: StrictBool
    createdAt: DateTimeText
    customer: IdRef | None = None
    store: IdRef | None = None
    market: IdRef | None = None


class ProductSizeRef(_Entry):
    SKU: Text


class OrderLineEntry(_Entry):
    id: StrictInt
    size: StrictStr
    productNumber: Text
    quantity: NonNegative
    cancelledQuantity: NonNegative
    returnedQuantity: NonNegative
    unitOriginalPrice: Money
    unitPrice: Money
    lineValue: Money
    discountPercent: Annotated[float, Field(ge=0, le=100)]
    taxPercent: Annotated[float, Field(ge=0, le=100)]
    productSize: ProductSizeRef


class ShipmentLineEntry(_Entry):
    id: StrictInt
    quantity: Positive
    orderLine: IdRef


class ShipmentEntry(_Entry):
    id: StrictInt
    number: Text
    createdAt: DateTimeText
    updatedAt: DateTimeText
    numberOfPackages: NonNegative
    isGoodToGo: StrictBool
    isShipped: StrictBool
    shippedAt: DateTimeText | None = None
    grandTotal: Money
    lines: list[ShipmentLineEntry]


class ShipmentLineRef(_Entry):
    id: StrictInt


class ReturnLineEntry(_Entry):
    id: StrictInt
    quantity: Positive
    shipmentLine: ShipmentLineRef


class ReturnEntry(_Entry):
    id: StrictInt
    returnStatus: Literal["PENDING", "COMPLETED"]
    createdAt: DateTimeText
    shipment: IdRef
    lines: list[ReturnLineEntry]


class OrderEntry(_Entry):
    id: Text
    number: Positive
    status: Literal["PENDING", "CONFIRMED", "PROCESSING", "SHIPPED", "ARCHIVED", "CANCELLED"]
    createdAt: DateTimeText
    updatedAt: DateTimeText
    store: IdRef
    market: IdRef | None = None
    currencyBaseRate: Annotated[float, Field(gt=0)]
    grandTotal: Money
    customer: IdRef | None = None
    account: IdRef | None = None
    lines: list[OrderLineEntry]
    shipments: list[ShipmentEntry] = []
    returns: list[ReturnEntry] = []


class WarehouseEntry(_Entry):
    id: StrictInt
    name: Text


class StockEntry(_Entry):
    """Free-to-allocate of one product size in one warehouse, as Centra keeps stock (``ProductSize.stock``)."""

    productSize: ProductSizeRef
    warehouse: IdRef
    freeToAllocateQuantity: NonNegative


class DisplayVariantEntry(_Entry):
    id: StrictInt
    productSizes: list[ProductSizeRef] = []


class DisplayEntry(_Entry):
    """A display (what a shop shows per market): served by ``displays(where: {marketId})`` (centra-wave2.md §5)."""

    id: StrictInt
    name: Text
    status: Literal["ACTIVE", "INACTIVE"]
    uri: Text
    markets: list[IdRef]
    productVariants: list[DisplayVariantEntry] = []


class ShopFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stores: list[StoreEntry]
    markets: list[MarketEntry]
    warehouses: list[WarehouseEntry] = []
    customers: list[CustomerEntry] = []
    accounts: list[AccountEntry] = []
    newsletterSubscriptions: list[NewsletterSubscriptionEntry] = []
    orders: list[OrderEntry] = []
    stock: list[StockEntry] = []
    displays: list[DisplayEntry] = []
