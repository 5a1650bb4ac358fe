"""Centra input models: what the bridge reads from Centra's Integration API, as that API's JSON."""

from engage_bridge.centra.common import Address, Attribute, Country, Market, MonetaryValue, Pricelist, Store
from engage_bridge.centra.customer import Customer, NewsletterSubscription
from engage_bridge.centra.order import (
    Order,
    OrderLine,
    PaymentHistoryEntry,
    PaymentMethod,
    Return,
    ReturnLine,
    Shipment,
    ShipmentLine,
)
from engage_bridge.centra.parse import CENTRA_KINDS, CentraKind, CentraObject, detect_kind, parse_centra_object
from engage_bridge.centra.stock import StockLevel

__all__ = [
    "CENTRA_KINDS",
    "Address",
    "Attribute",
    "CentraKind",
    "CentraObject",
    "Country",
    "Customer",
    "Market",
    "MonetaryValue",
    "NewsletterSubscription",
    "Order",
    "OrderLine",
    "PaymentHistoryEntry",
    "PaymentMethod",
    "Pricelist",
    "Return",
    "ReturnLine",
    "Shipment",
    "ShipmentLine",
    "StockLevel",
    "Store",
    "detect_kind",
    "parse_centra_object",
]
