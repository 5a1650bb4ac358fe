"""The messages on the five handler queues: what the router decided, with the Centra state it decided on.

Each message carries the Centra objects its handler maps (a few kilobytes), so handlers never call Centra and
a message in a DLQ shows exactly what was attempted. ``business_key`` names the *effect* — the same e-mail,
receipt or redemption gets the same key however often and by whichever path it is enqueued — and is what
idempotency and the ledger are keyed on. ``historical`` marks backfill traffic: it writes contacts and
receipts, but never e-mails a customer about an old order nor redeems an old promotion.

Each message lives in its own module (``contacts``, ``order_email``, ``receipt_push``, ``promotion_redemption``,
``stock``, ``ingest``; ``base``, ``order_effect`` and ``orders`` for what they share), so a function defines only the
messages it reads; the names below are imported from there on first use.
"""

from typing import TYPE_CHECKING

from engage_bridge.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from engage_bridge.messages.base import QueuedMessage as QueuedMessage
    from engage_bridge.messages.base import ResendRequest as ResendRequest
    from engage_bridge.messages.contacts import ContactUpsert as ContactUpsert
    from engage_bridge.messages.ingest import IngestEvent as IngestEvent
    from engage_bridge.messages.ingest import IngestObject as IngestObject
    from engage_bridge.messages.ingest import IngestSource as IngestSource
    from engage_bridge.messages.order_effect import OrderEffect as OrderEffect
    from engage_bridge.messages.order_email import OrderEmail as OrderEmail
    from engage_bridge.messages.order_email import OrderStatus as OrderStatus
    from engage_bridge.messages.promotion_redemption import PromotionRedemption as PromotionRedemption
    from engage_bridge.messages.receipt_push import ReceiptPush as ReceiptPush
    from engage_bridge.messages.stock import StockUpdate as StockUpdate

# PEP 562: the router's ingest message does not load the handlers' messages, nor a handler's the others'.
_HOMES = {
    "QueuedMessage": "base",
    "ResendRequest": "base",
    "ContactUpsert": "contacts",
    "OrderEffect": "order_effect",
    "OrderEmail": "order_email",
    "OrderStatus": "order_email",
    "PromotionRedemption": "promotion_redemption",
    "ReceiptPush": "receipt_push",
    "StockUpdate": "stock",
    "IngestEvent": "ingest",
    "IngestObject": "ingest",
    "IngestSource": "ingest",
}


__getattr__ = lazy_exports(__name__, _HOMES)


__all__ = list(_HOMES)
