"""The Engage requests the bridge would send for one Centra object, in order, assuming none was sent before.

This is the mapping layer's whole story in one place; ``engage-bridge map`` prints it. Rules (docs/mapping.md):
order -> its contact -> ORDER_CREATED (or ORDER_CANCELLED) -> per completed shipment ORDER_SHIPPED, the member's
purchase receipt and, once, the promotion redemption -> per completed return ORDER_RETURNED and the return receipt.
"""

from typing import Any, Final, Literal

from msgspec import Struct, field

from engage_bridge.centra.customer import Customer, NewsletterSubscription
from engage_bridge.centra.order import Order, Shipment
from engage_bridge.centra.parse import CentraObject
from engage_bridge.centra.stock import StockLevel
from engage_bridge.config import BrandConfig
from engage_bridge.engage import paths
from engage_bridge.engage.models.contacts import ContactCreate, ContactUpdate
from engage_bridge.engage.models.inventory import BackInStockSubscription, StockLevelBatch
from engage_bridge.engage.models.orders import OrderBody
from engage_bridge.engage.models.promotions import PromotionRedemption
from engage_bridge.engage.models.receipts import Receipt
from engage_bridge.mapping.contacts import (
    customer_contact,
    customer_store_id,
    member_update,
    newsletter_contact,
    newsletter_contact_of_customer,
    newsletter_store_id,
    order_contact,
)
from engage_bridge.mapping.context import order_email, order_store_id
from engage_bridge.mapping.deliveries import delivery_appendix
from engage_bridge.mapping.orders import order_cancelled, order_created, order_returned, order_shipped
from engage_bridge.mapping.payments import payment_state
from engage_bridge.mapping.promotions import promotion_redemption, promotion_to_redeem
from engage_bridge.mapping.receipts import purchase_receipt, return_receipt
from engage_bridge.mapping.restrictions import restriction_reason
from engage_bridge.mapping.roles import contact_role, known_contact_id
from engage_bridge.mapping.stock import stock_levels

# Stands in for a member's Engage id that only Engage can tell (it answers the contact create with it).
CONTACT_ID_PLACEHOLDER: Final = "<engage-contact-id>"

# Every body the mapping plans (``engage-bridge map`` prints them), whichever module defines it.
EngageBody = (
    OrderBody
    | Receipt
    | ContactCreate
    | ContactUpdate
    | PromotionRedemption
    | StockLevelBatch
    | BackInStockSubscription
)


class EngageRequest(Struct, frozen=True):
    method: Literal["POST", "PUT", "PATCH"]
    path: str
    body: EngageBody
    query: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "query": self.query, "body": self.body.body()}


def plan(obj: CentraObject, cfg: BrandConfig, contact_id: str = CONTACT_ID_PLACEHOLDER) -> list[EngageRequest]:
    """``contact_id``: the member's Engage id where the object does not carry one (receipts, updates)."""
    if isinstance(obj, Order):
        return plan_order(obj, cfg, contact_id)
    if isinstance(obj, Customer):
        return plan_customer(obj, cfg)
    if isinstance(obj, NewsletterSubscription):
        return plan_newsletter_subscription(obj, cfg)
    return plan_stock_level(obj, cfg)


def plan_order(order: Order, cfg: BrandConfig, contact_id: str = CONTACT_ID_PLACEHOLDER) -> list[EngageRequest]:
    if restriction_reason(order, cfg) is not None:
        return []
    requests = _order_contacts(order, cfg)
    member_id = known_contact_id(order.customer, cfg) or contact_id
    emails = cfg.transactional_emails
    if order.is_on_hold:  # held (fraud check, waiting for the payment provider): only the contact, until released
        return requests
    if order.status.upper() == "CANCELLED":
        return requests + ([_post(paths.ORDERS, order_cancelled(order, cfg, member_id))] if emails else [])
    if emails:
        requests.append(_post(paths.ORDERS, order_created(order, cfg, member_id)))
    if payment_state(order) == "failed":
        return requests
    return requests + _paid_order_requests(order, cfg, member_id)


def _paid_order_requests(order: Order, cfg: BrandConfig, member_id: str) -> list[EngageRequest]:
    """A paid order's redemption, shipments and returns, in the order Engage should see them."""
    requests: list[EngageRequest] = []
    emails = cfg.transactional_emails
    is_member = contact_role(order.customer, cfg) == "member"
    assignment_id = promotion_to_redeem(order, cfg)
    if assignment_id and cfg.promotions.redeem_when == "payment":
        requests.append(_post(paths.promotion_redeem(assignment_id), promotion_redemption()))
        assignment_id = None
    for shipment in _completed_shipments(order):
        if emails:
            requests.append(_post(paths.ORDERS, order_shipped(order, shipment, cfg, member_id)))
        if is_member:
            requests.append(_post(paths.RECEIPTS, purchase_receipt(order, shipment, cfg, member_id)))
        if assignment_id:
            requests.append(_post(paths.promotion_redeem(assignment_id), promotion_redemption()))
            assignment_id = None
    for returned in (r for r in order.returns if r.is_completed):
        if emails:
            requests.append(_post(paths.ORDERS, order_returned(order, returned, cfg, member_id)))
        if is_member:
            requests.append(_post(paths.RECEIPTS, return_receipt(order, returned, cfg, member_id)))
    return requests


def plan_customer(customer: Customer, cfg: BrandConfig) -> list[EngageRequest]:
    """Only members exist without an order; transactional contacts are made when an e-mail needs one."""
    requests: list[EngageRequest] = []
    store_id = customer_store_id(customer, cfg)
    if contact_role(customer, cfg) == "member":
        # As the consent rules treat a first sight of the customer (docs/mapping.md, "Consent").
        requests += _member(customer, cfg, store_id, customer_contact(customer, cfg, customer.newsletter))
    if cfg.newsletter_subscribers and customer.newsletter and customer.email:
        contact = newsletter_contact_of_customer(customer, customer.email, cfg)
        requests.append(_post(paths.CONTACTS, contact, _contact_query(cfg, store_id)))
    return requests


def plan_newsletter_subscription(subscription: NewsletterSubscription, cfg: BrandConfig) -> list[EngageRequest]:
    if not cfg.newsletter_subscribers:
        return []
    query = _contact_query(cfg, newsletter_store_id(subscription, cfg))
    return [_post(paths.CONTACTS, newsletter_contact(subscription, cfg), query)]


def plan_stock_level(level: StockLevel, cfg: BrandConfig) -> list[EngageRequest]:
    return [EngageRequest("PUT", paths.STOCK_LEVELS_BATCH, stock_levels(level, cfg))]


def _order_contacts(order: Order, cfg: BrandConfig) -> list[EngageRequest]:
    requests: list[EngageRequest] = []
    role = contact_role(order.customer, cfg)
    store_id = order_store_id(cfg, order)
    if role is not None:
        contact = order_contact(order, role, cfg)
        if role == "member" and order.customer is not None:
            requests += _member(order.customer, cfg, store_id, contact)
        else:
            requests.append(_post(paths.CONTACTS, contact, _contact_query(cfg, store_id)))
    customer = order.customer
    if cfg.newsletter_subscribers and customer is not None and customer.newsletter:
        contact = newsletter_contact_of_customer(customer, order_email(order), cfg)
        requests.append(_post(paths.CONTACTS, contact, _contact_query(cfg, store_id)))
    return requests


def _member(customer: Customer, cfg: BrandConfig, store_id: str, contact: EngageBody) -> list[EngageRequest]:
    """A member the front end already identified exists in Engage: update it (if allowed), never re-create it."""
    known_id = known_contact_id(customer, cfg)
    if known_id is None:
        return [_post(paths.CONTACTS, contact, _contact_query(cfg, store_id))]
    update = member_update(customer, cfg)
    return [EngageRequest("PATCH", paths.contact(known_id), update)] if update is not None else []


def _completed_shipments(order: Order) -> list[Shipment]:
    completed = [shipment for shipment in order.shipments if shipment.is_completed]
    return sorted(completed, key=lambda shipment: int(delivery_appendix(order, shipment)))


def _contact_query(cfg: BrandConfig, store_id: str) -> dict[str, str]:
    return {"source": cfg.engage.source, "storeExternalId": store_id}


def _post(path: str, body: EngageBody, query: dict[str, str] | None = None) -> EngageRequest:
    return EngageRequest("POST", path, body, query or {})
