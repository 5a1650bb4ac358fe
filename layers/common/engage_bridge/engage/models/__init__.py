"""Request bodies the bridge sends to Engage, shaped like the bodies Centra's plugin sends (seed 001).

Serialisation rules, all in one place:
- money is ``Decimal`` and goes out as a two-decimal string ("199.00"), as in seed 001;
- plain numbers (exchange rates, receipt tax percent) go out as JSON numbers, integral ones without a fraction;
- datetimes are timezone-aware and go out as ISO 8601 with offset, to the second;
- ``None`` means "absent": ``body()`` drops it, so an optional field never reaches Engage as ``null``.

Each endpoint's bodies live in their own module (``orders``, ``receipts``, ``contacts``, ``promotions``,
``inventory``; ``base`` for the rules they share, ``parts`` for what orders and receipts share), so a function
defines only the bodies it sends; the names below are imported from there on first use.
"""

from typing import TYPE_CHECKING

from engage_bridge.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from engage_bridge.engage.models.base import DateTime as DateTime
    from engage_bridge.engage.models.base import EngageModel as EngageModel
    from engage_bridge.engage.models.base import Money as Money
    from engage_bridge.engage.models.base import Number as Number
    from engage_bridge.engage.models.base import iso_datetime as iso_datetime
    from engage_bridge.engage.models.base import json_number as json_number
    from engage_bridge.engage.models.base import money_text as money_text
    from engage_bridge.engage.models.contacts import ContactCreate as ContactCreate
    from engage_bridge.engage.models.contacts import ContactUpdate as ContactUpdate
    from engage_bridge.engage.models.contacts import Preferences as Preferences
    from engage_bridge.engage.models.inventory import BackInStockSubscription as BackInStockSubscription
    from engage_bridge.engage.models.inventory import StockLevel as StockLevel
    from engage_bridge.engage.models.inventory import StockLevelBatch as StockLevelBatch
    from engage_bridge.engage.models.orders import OrderBody as OrderBody
    from engage_bridge.engage.models.orders import OrderExtraData as OrderExtraData
    from engage_bridge.engage.models.orders import OrderItem as OrderItem
    from engage_bridge.engage.models.orders import OrderItemExtraData as OrderItemExtraData
    from engage_bridge.engage.models.parts import ContactMatch as ContactMatch
    from engage_bridge.engage.models.parts import Discount as Discount
    from engage_bridge.engage.models.parts import Fee as Fee
    from engage_bridge.engage.models.parts import PaymentMethod as PaymentMethod
    from engage_bridge.engage.models.parts import TaxDetail as TaxDetail
    from engage_bridge.engage.models.promotions import PromotionRedemption as PromotionRedemption
    from engage_bridge.engage.models.receipts import NameValue as NameValue
    from engage_bridge.engage.models.receipts import Receipt as Receipt
    from engage_bridge.engage.models.receipts import ReceiptItem as ReceiptItem

# PEP 562: a contact handler does not define the order, receipt and stock bodies it never sends.
_HOMES = {
    "ContactMatch": "parts",
    "DateTime": "base",
    "Discount": "parts",
    "EngageModel": "base",
    "Money": "base",
    "Number": "base",
    "PaymentMethod": "parts",
    "TaxDetail": "parts",
    "iso_datetime": "base",
    "json_number": "base",
    "money_text": "base",
    "Fee": "parts",
    "OrderBody": "orders",
    "OrderExtraData": "orders",
    "OrderItem": "orders",
    "OrderItemExtraData": "orders",
    "NameValue": "receipts",
    "Receipt": "receipts",
    "ReceiptItem": "receipts",
    "ContactCreate": "contacts",
    "ContactUpdate": "contacts",
    "Preferences": "contacts",
    "PromotionRedemption": "promotions",
    "BackInStockSubscription": "inventory",
    "StockLevel": "inventory",
    "StockLevelBatch": "inventory",
}


__getattr__ = lazy_exports(__name__, _HOMES)


__all__ = list(_HOMES)
