"""Contacts for Centra customers and newsletter subscribers, under seed 001's update rules.

- A customer who is a member under ``contact_sync`` is created as a member with everything known; once it
  exists, its member fields are updated only when ``customer_updates`` is on, and only fields that changed
  and have a value (an empty Centra field never blanks Engage).
- A customer who is not a member gets a transactional contact when an e-mail first needs one (the order
  e-mail handler creates it), as Centra's plugin does; nothing is written here.
- Newsletter: a subscriber becomes a contact of the newsletter type; its subscription preference is updated
  always. Opt-in is read from the customer record or the subscription only, never from an order, and an
  unsubscribed person who has no newsletter contact is not given one.
"""

from engage_bridge.consumer import Outcome
from engage_bridge.effects.services import Services
from engage_bridge.engage.models import ContactCreate, ContactUpdate
from engage_bridge.engage.outcomes import EngageNotFound
from engage_bridge.errors import MappingError
from engage_bridge.mapping import contact_role, customer_contact, member_update, newsletter_contact, subscription_update
from engage_bridge.mapping.contacts import customer_store_id, newsletter_contact_of_customer, newsletter_store_id
from engage_bridge.mapping.email import require_email
from engage_bridge.messages import ContactUpsert


def upsert_contact(services: Services, message: ContactUpsert) -> Outcome:
    if message.subscription is not None:
        subscription = message.subscription
        email = require_email("newsletter_subscription", subscription.reference, subscription.email)
        if not services.config.newsletter_subscribers:
            return Outcome("skipped", "newsletter_sync_off")
        contact = newsletter_contact(subscription, services.config)
        reason = _subscription(services, contact, newsletter_store_id(subscription, services.config))
        _record(services, message, reason)
        return Outcome("sent", reason)

    customer, cfg = message.customer, services.config
    if customer is None:  # ContactUpsert's validator makes this unreachable; mypy cannot know that
        raise MappingError("contact_upsert", message.correlation_id, "customer", "missing")
    email = require_email("customer", customer.reference, customer.email)
    reasons = []
    if contact_role(customer, cfg) == "member":
        member = customer_contact(customer, cfg)
        reasons.append(_member(services, member, customer_store_id(customer, cfg), member_update(customer, cfg)))
    if cfg.newsletter_subscribers and customer.newsletter is not None:
        contact = newsletter_contact_of_customer(customer, email, cfg)
        reasons.append(_subscription(services, contact, customer_store_id(customer, cfg)))
    if not reasons:
        return Outcome("skipped", "not_a_member")
    reason = "+".join(reasons)
    _record(services, message, reason)
    return Outcome("sent", reason)


def _record(services: Services, message: ContactUpsert, reason: str) -> None:
    if (effect := message.ledger_effect) is not None:
        services.store.record(effect, "sent", reason)


def _member(services: Services, member: ContactCreate, store_id: str, update: ContactUpdate | None) -> str:
    contact_id, created = services.contacts.find_or_create(member, store_id)
    if created:
        return "member_created"
    if update is None:
        return "member_exists"
    try:
        current = services.engage.get_contact(contact_id)
    except EngageNotFound:
        # The cached id is gone (contact deleted or merged in Engage): look it up afresh, once.
        services.contacts.forget(member.email, member.contact_type)
        contact_id, created = services.contacts.find_or_create(member, store_id)
        if created:
            return "member_created"
        current = services.engage.get_contact(contact_id)
    changed = services.contacts.update(contact_id, update, _attributes(current))
    return "member_updated" if changed else "member_unchanged"


def _subscription(services: Services, contact: ContactCreate, store_id: str) -> str:
    subscribed = bool(contact.preferences and contact.preferences.accepts_email)
    if not subscribed and services.contacts.find(contact.email, contact.contact_type) is None:
        return "not_subscribed"
    contact_id, created = services.contacts.find_or_create(contact, store_id)
    if created:
        return "newsletter_created"
    current = services.engage.get_contact(contact_id)
    changed = services.engage.update_contact(contact_id, subscription_update(subscribed).body(), current=current)
    return "newsletter_updated" if changed else "newsletter_unchanged"


def _attributes(contact: dict[str, object]) -> dict[str, object]:
    """Engage nests a contact's fields under ``attributes`` (v3 GET); compare against those."""
    attributes = contact.get("attributes")
    return attributes if isinstance(attributes, dict) else contact
