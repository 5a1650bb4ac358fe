"""The Centra event object types the bridge listens to, and what the router calls them.

A module of its own so the doctor (which checks Centra listens to exactly these) does not import the poller, and
with it the message and Centra models, at its cold start.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engage_bridge.messages import IngestObject

INGEST_TYPES: "dict[str, IngestObject]" = {
    "Order": "order",
    "Shipment": "shipment",
    "Return": "return",
    "Customer": "customer",
    "NewsletterSubscription": "newsletter_subscription",
    "StockChange": "stock_change",
    # What the product feed shows (texts, prices, sizes): a change marks the feed for the next refresh run.
    "Display": "product",
    "Product": "product",
}
