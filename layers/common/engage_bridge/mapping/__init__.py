"""Pure mapping from Centra models to Engage bodies: no I/O, no clock, no environment.

Every failure is ``engage_bridge.errors.MappingError`` naming the object and the field, never the person.
"""

from engage_bridge.mapping.contacts import (
    ContactRole,
    contact_role,
    customer_contact,
    member_update,
    newsletter_contact,
    order_contact,
    subscription_update,
)
from engage_bridge.mapping.orders import order_cancelled, order_created, order_returned, order_shipped
from engage_bridge.mapping.payments import PaymentState, payment_state
from engage_bridge.mapping.plan import CONTACT_ID_PLACEHOLDER, EngageRequest, plan
from engage_bridge.mapping.promotions import promotion_assignment_id, promotion_redemption, promotion_to_redeem
from engage_bridge.mapping.receipts import purchase_receipt, return_receipt
from engage_bridge.mapping.restrictions import RestrictionReason, restriction_reason
from engage_bridge.mapping.stock import back_in_stock_subscription, stock_levels
from engage_bridge.mapping.store import StoreContext, store_external_id

__all__ = [
    "CONTACT_ID_PLACEHOLDER",
    "ContactRole",
    "EngageRequest",
    "PaymentState",
    "RestrictionReason",
    "StoreContext",
    "back_in_stock_subscription",
    "contact_role",
    "customer_contact",
    "member_update",
    "newsletter_contact",
    "order_cancelled",
    "order_contact",
    "order_created",
    "order_returned",
    "order_shipped",
    "payment_state",
    "plan",
    "promotion_assignment_id",
    "promotion_redemption",
    "promotion_to_redeem",
    "purchase_receipt",
    "restriction_reason",
    "return_receipt",
    "stock_levels",
    "store_external_id",
    "subscription_update",
]
