"""Engage contacts for Centra customers: which type a customer becomes, and what is sent on create and update.

Seed 001's rules: members are created with all personal data available; a transactional contact carries only
e-mail, gender and country; a newsletter contact carries its subscription. ``acceptsEmail`` is never read off a
Centra object here: the caller passes what the consent rules allow (``engage_bridge.consent``, docs/mapping.md),
and a contact an order needs carries none, so an order cannot subscribe anyone (seed 003, consent drift).
"""

from typing import TYPE_CHECKING, Literal

from engage_bridge.centra.common import Address
from engage_bridge.centra.customer import Customer, NewsletterSubscription
from engage_bridge.config import BrandConfig
from engage_bridge.engage.models import ContactCreate, ContactUpdate, Preferences
from engage_bridge.mapping.email import require_email
from engage_bridge.mapping.phones import mobile_phone
from engage_bridge.mapping.roles import ContactRole
from engage_bridge.mapping.store import StoreContext, store_external_id

if TYPE_CHECKING:  # an order's contact is mapped where the order is already loaded; the contact handler reads none
    from engage_bridge.centra.order import Order

# Why a body lacks a field it had a value for: the skip reason its handler counts.
INVALID_PHONE = "invalid_phone"

_GENDERS: dict[str, Literal["Male", "Female"]] = {
    "male": "Male",
    "m": "Male",
    "man": "Male",
    "female": "Female",
    "f": "Female",
    "woman": "Female",
}


def order_contact(order: "Order", role: ContactRole, cfg: BrandConfig) -> ContactCreate:
    """The contact an order needs: the member with everything known, or the transactional minimum."""
    email = require_email("order", order.reference, order.email, "customer.email")
    customer = order.customer or Customer()
    address = customer.billing_address or order.billing_address or order.shipping_address or Address()
    if role == "member":
        return _member(customer, address, email, cfg.contact_types.member, accepts_email=None)
    return ContactCreate(
        contact_type=cfg.contact_types.transactional,
        email=email,
        gender=gender(customer.gender),
        country_code=address.country_code,
    )


def customer_contact(customer: Customer, cfg: BrandConfig, accepts_email: bool | None = None) -> ContactCreate:
    """A member created from the customer record; ``accepts_email`` as the consent rules decided (None: left out)."""
    email = require_email("customer", customer.reference, customer.email)
    address = customer.billing_address or Address()
    return _member(customer, address, email, cfg.contact_types.member, accepts_email=accepts_email)


def customer_store_id(customer: Customer, cfg: BrandConfig) -> str:
    """A customer without an order: default market, billing country (seed 001)."""
    country = customer.billing_address.country_name if customer.billing_address else None
    return store_external_id(cfg, StoreContext("customer", customer.reference, country_name=country))


def newsletter_contact(
    subscription: NewsletterSubscription, cfg: BrandConfig, accepts_email: bool | None = None
) -> ContactCreate:
    """The ``contact`` of a sign-up; ``accepts_email`` as the consent rules decided (default: the sign-up's state,
    what a first sight of it allows, as ``engage-bridge map`` shows)."""
    email = require_email("newsletter_subscription", subscription.reference, subscription.email)
    return ContactCreate(
        contact_type=cfg.contact_types.newsletter,
        email=email,
        country_code=subscription.country.code if subscription.country else None,
        preferences=Preferences(accepts_email=subscription.subscribed if accepts_email is None else accepts_email),
    )


def newsletter_contact_of_customer(
    customer: Customer, email: str, cfg: BrandConfig, accepts_email: bool | None = None
) -> ContactCreate:
    """The ``contact`` a customer is as a newsletter subscriber (seed 001: one customer, two contact types).

    ``accepts_email``: what the consent rules allow; default the customer's own flag (a first sight of it).
    """
    address = customer.billing_address or Address()
    return ContactCreate(
        contact_type=cfg.contact_types.newsletter,
        email=email,
        country_code=address.country_code,
        preferences=Preferences(
            accepts_email=(customer.newsletter is True) if accepts_email is None else accepts_email
        ),
    )


def newsletter_store_id(subscription: NewsletterSubscription, cfg: BrandConfig) -> str:
    context = StoreContext(
        "newsletter_subscription",
        subscription.reference,
        market_name=None,  # a sign-up has no market (CD:newslettersubscription): default_market, or its country
        country_name=subscription.country.name if subscription.country else None,
    )
    return store_external_id(cfg, context)


def member_update(customer: Customer, cfg: BrandConfig) -> ContactUpdate | None:
    """The member fields Centra's plugin updates, only with ``customer_updates`` on; ``None`` if nothing to send."""
    if not cfg.customer_updates:
        return None
    address = customer.billing_address or Address()
    phone = mobile_phone(customer.phone_number or address.phone, address.country_code)
    update = ContactUpdate(
        first_name=customer.first_name or address.first_name,
        last_name=customer.last_name or address.last_name,
        birth_day=customer.birthdate,
        city=address.city,
        country_code=address.country_code,
        zip_code=address.zip_code,
        gender=gender(customer.gender),
        mobile_phone=phone.e164,
    )
    if update.is_empty():
        return None
    return update.leaving_out(INVALID_PHONE) if phone.invalid else update


def subscription_update(subscribed: bool) -> ContactUpdate:
    """Subscription preferences of a ``contact``: always sent, whatever ``customer_updates`` says."""
    return ContactUpdate(preferences=Preferences(accepts_email=subscribed))


def gender(value: str | None) -> Literal["Male", "Female"] | None:
    return _GENDERS.get((value or "").strip().casefold())


def _member(
    customer: Customer, address: Address, email: str, contact_type: str, *, accepts_email: bool | None
) -> ContactCreate:
    # accepts_email None: the key is left out and Engage keeps its default (not subscribed, seed 001).
    phone = mobile_phone(customer.phone_number or address.phone, address.country_code)
    contact = ContactCreate(
        contact_type=contact_type,
        email=email,
        first_name=customer.first_name or address.first_name,
        last_name=customer.last_name or address.last_name,
        birth_day=customer.birthdate,
        gender=gender(customer.gender),
        mobile_phone=phone.e164,
        street=" ".join(part for part in (address.address1, address.address2) if part),
        zip_code=address.zip_code,
        city=address.city,
        country_code=address.country_code,
        preferences=Preferences(accepts_email=accepts_email),
    )
    return contact.leaving_out(INVALID_PHONE) if phone.invalid else contact
