"""The router's decisions, as pure code: Centra's current state plus the ledger in, messages per handler queue out.

No I/O, no clock, no environment: the router Lambda (``engage_bridge.router``) fetches the object from Centra,
passes a ledger lookup, and enqueues what comes back. Because a decision depends only on the object's current
state and what the ledger says went out, an event delivered twice or out of order routes the same effects once.

Order of ``Decision.routed``: the order the effects should reach Engage — the contact before the e-mails,
ORDER_CREATED before ORDER_SHIPPED, each receipt after its e-mail, the redemption after the first purchase
receipt. The handler queues are consumed concurrently, so this is a best effort: enqueueing the contact first
makes it likely the member exists (with all its data) before the e-mail handler would create a transactional
contact or the receipt handler a bare member for the same address. Every handler stays correct in any order
(each finds or creates the contact it needs, and each effect is deduplicated on its business key).

Every deliberate non-route is a ``Skipped`` with a countable reason:

- ``restricted_store_type`` / ``restricted_market`` / ``restricted_pricelist`` / ``restricted_country``: the
  order fails the brand's restrictions (wholesale orders always: store type);
- ``already_sent``: the ledger records the effect as sent;
- ``already_queued``: the router queued the very same message a moment ago, from another report of the change
  (``Decision.without_queued``; the router's memory is ``engage_bridge.queued_messages``);
- ``not_a_member``: receipts and contacts for customers who are not members under ``contact_sync``;
- ``payment_not_settled``, ``not_shipped``, ``promotion_id_invalid``: a promotion not (yet) to redeem;
- ``payment_failed``, ``order_cancelled``: deliveries of an order that gets no further e-mails or receipts;
- ``historical``: backfill never e-mails or redeems;
- ``transactional_emails_off``, ``newsletter_sync_off``: the brand switched the effect off;
- ``no_email``, ``no_customer_record``, ``no_sku``, ``no_market``, ``duplicate_level``: nothing to address.
"""

from typing import TYPE_CHECKING

from engage_bridge.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from engage_bridge.routing.contacts import route_customer as route_customer
    from engage_bridge.routing.contacts import route_customer_erasure as route_customer_erasure
    from engage_bridge.routing.contacts import route_newsletter_subscription as route_newsletter_subscription
    from engage_bridge.routing.decision import Decision as Decision
    from engage_bridge.routing.decision import Message as Message
    from engage_bridge.routing.decision import Route as Route
    from engage_bridge.routing.decision import Routed as Routed
    from engage_bridge.routing.decision import Skipped as Skipped
    from engage_bridge.routing.decision import contact_effect as contact_effect
    from engage_bridge.routing.orders import AlreadySent as AlreadySent
    from engage_bridge.routing.orders import order_effects as order_effects
    from engage_bridge.routing.orders import route_order as route_order
    from engage_bridge.routing.stock import route_stock as route_stock

# Each name is imported from its own module on first use (PEP 562), so a function loads only the modules it
# reads, not every module of the package.
_HOMES = {
    "route_customer": "contacts",
    "route_customer_erasure": "contacts",
    "route_newsletter_subscription": "contacts",
    "Decision": "decision",
    "Message": "decision",
    "Route": "decision",
    "Routed": "decision",
    "Skipped": "decision",
    "contact_effect": "decision",
    "AlreadySent": "orders",
    "order_effects": "orders",
    "route_order": "orders",
    "route_stock": "stock",
}


__getattr__ = lazy_exports(__name__, _HOMES)


__all__ = [
    "AlreadySent",
    "Decision",
    "Message",
    "Route",
    "Routed",
    "Skipped",
    "contact_effect",
    "order_effects",
    "route_customer",
    "route_customer_erasure",
    "route_newsletter_subscription",
    "route_order",
    "route_stock",
]
