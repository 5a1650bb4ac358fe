"""Centra input models: what the bridge reads from Centra's Integration API, as that API's JSON."""

from typing import TYPE_CHECKING

from engage_bridge.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from engage_bridge.centra.base import Market as Market
    from engage_bridge.centra.common import Address as Address
    from engage_bridge.centra.common import Attribute as Attribute
    from engage_bridge.centra.common import Country as Country
    from engage_bridge.centra.common import MonetaryValue as MonetaryValue
    from engage_bridge.centra.common import Pricelist as Pricelist
    from engage_bridge.centra.common import Store as Store
    from engage_bridge.centra.customer import Customer as Customer
    from engage_bridge.centra.customer import NewsletterSubscription as NewsletterSubscription
    from engage_bridge.centra.order import Order as Order
    from engage_bridge.centra.order import OrderLine as OrderLine
    from engage_bridge.centra.order import PaymentHistoryEntry as PaymentHistoryEntry
    from engage_bridge.centra.order import PaymentMethod as PaymentMethod
    from engage_bridge.centra.order import Return as Return
    from engage_bridge.centra.order import ReturnLine as ReturnLine
    from engage_bridge.centra.order import Shipment as Shipment
    from engage_bridge.centra.order import ShipmentLine as ShipmentLine
    from engage_bridge.centra.parse import CENTRA_KINDS as CENTRA_KINDS
    from engage_bridge.centra.parse import CentraKind as CentraKind
    from engage_bridge.centra.parse import CentraObject as CentraObject
    from engage_bridge.centra.parse import detect_kind as detect_kind
    from engage_bridge.centra.parse import parse_centra_object as parse_centra_object
    from engage_bridge.centra.stock import StockLevel as StockLevel

# Each name is imported from its own module on first use (PEP 562), so a function loads only the modules it
# reads, not every module of the package.
_HOMES = {
    "Address": "common",
    "Attribute": "common",
    "Country": "common",
    "Market": "base",
    "MonetaryValue": "common",
    "Pricelist": "common",
    "Store": "common",
    "Customer": "customer",
    "NewsletterSubscription": "customer",
    "Order": "order",
    "OrderLine": "order",
    "PaymentHistoryEntry": "order",
    "PaymentMethod": "order",
    "Return": "order",
    "ReturnLine": "order",
    "Shipment": "order",
    "ShipmentLine": "order",
    "CENTRA_KINDS": "parse",
    "CentraKind": "parse",
    "CentraObject": "parse",
    "detect_kind": "parse",
    "parse_centra_object": "parse",
    "StockLevel": "stock",
}


__getattr__ = lazy_exports(__name__, _HOMES)


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
