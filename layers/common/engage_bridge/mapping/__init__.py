"""Pure mapping from Centra models to Engage bodies: no I/O, no clock, no environment.

Every failure is ``engage_bridge.errors.MappingError`` naming the object and the field, never the person.
"""

from typing import TYPE_CHECKING

from engage_bridge.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from engage_bridge.mapping.contacts import customer_contact as customer_contact
    from engage_bridge.mapping.contacts import member_update as member_update
    from engage_bridge.mapping.contacts import newsletter_contact as newsletter_contact
    from engage_bridge.mapping.contacts import order_contact as order_contact
    from engage_bridge.mapping.contacts import subscription_update as subscription_update
    from engage_bridge.mapping.orders import order_cancelled as order_cancelled
    from engage_bridge.mapping.orders import order_created as order_created
    from engage_bridge.mapping.orders import order_returned as order_returned
    from engage_bridge.mapping.orders import order_shipped as order_shipped
    from engage_bridge.mapping.payments import PaymentState as PaymentState
    from engage_bridge.mapping.payments import payment_state as payment_state
    from engage_bridge.mapping.plan import CONTACT_ID_PLACEHOLDER as CONTACT_ID_PLACEHOLDER
    from engage_bridge.mapping.plan import EngageRequest as EngageRequest
    from engage_bridge.mapping.promotions import promotion_assignment_id as promotion_assignment_id
    from engage_bridge.mapping.promotions import promotion_redemption as promotion_redemption
    from engage_bridge.mapping.promotions import promotion_to_redeem as promotion_to_redeem
    from engage_bridge.mapping.receipts import purchase_receipt as purchase_receipt
    from engage_bridge.mapping.receipts import return_receipt as return_receipt
    from engage_bridge.mapping.restrictions import RestrictionReason as RestrictionReason
    from engage_bridge.mapping.restrictions import restriction_reason as restriction_reason
    from engage_bridge.mapping.roles import ContactRole as ContactRole
    from engage_bridge.mapping.roles import contact_role as contact_role
    from engage_bridge.mapping.stock import back_in_stock_subscription as back_in_stock_subscription
    from engage_bridge.mapping.stock import stock_levels as stock_levels
    from engage_bridge.mapping.store import StoreContext as StoreContext
    from engage_bridge.mapping.store import store_external_id as store_external_id

# Each name is imported from its own module on first use (PEP 562), so a function loads only the modules it
# reads, not every module of the package.
_HOMES = {
    "ContactRole": "roles",
    "contact_role": "roles",
    "customer_contact": "contacts",
    "member_update": "contacts",
    "newsletter_contact": "contacts",
    "order_contact": "contacts",
    "subscription_update": "contacts",
    "order_cancelled": "orders",
    "order_created": "orders",
    "order_returned": "orders",
    "order_shipped": "orders",
    "PaymentState": "payments",
    "payment_state": "payments",
    "CONTACT_ID_PLACEHOLDER": "plan",
    "EngageRequest": "plan",
    "promotion_assignment_id": "promotions",
    "promotion_redemption": "promotions",
    "promotion_to_redeem": "promotions",
    "purchase_receipt": "receipts",
    "return_receipt": "receipts",
    "RestrictionReason": "restrictions",
    "restriction_reason": "restrictions",
    "back_in_stock_subscription": "stock",
    "stock_levels": "stock",
    "StoreContext": "store",
    "store_external_id": "store",
}


__getattr__ = lazy_exports(__name__, _HOMES)


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
