"""Contacts for Centra customers and newsletter subscribers, under seed 001's update rules and the consent rules.

- A customer who is a member under ``contact_sync`` is created as a member with everything known; once it
  exists, its member fields are updated only when ``customer_updates`` is on, and only fields that changed
  and have a value (an empty Centra field never blanks Engage).
- A customer who is not a member gets a transactional contact when an e-mail first needs one (the order
  e-mail handler creates it), as Centra's plugin does; nothing is written here.
- Newsletter: a subscriber becomes a contact of the newsletter type. ``acceptsEmail`` is written only as the
  consent rules allow (``engage_bridge.consent``, docs/mapping.md "Consent"): a yes only for a fresh opt-in newer
  than the last opt-out the bridge knows of, and a first-seen yes only when no Engage record of the address says
  no; a no always. A newsletter contact is created only to carry a yes.
"""

from collections.abc import Mapping
from typing import Any

from engage_bridge.centra import Customer
from engage_bridge.consent import ConsentGate, Decision, Signal, accepts_email
from engage_bridge.effects.services import Services
from engage_bridge.engage.client import EngageClient
from engage_bridge.engage.models import ContactCreate, ContactUpdate
from engage_bridge.engage.outcomes import EngageNotFound
from engage_bridge.errors import MappingError
from engage_bridge.identity import linked_customer_id
from engage_bridge.mapping import contact_role, customer_contact, member_update, newsletter_contact, subscription_update
from engage_bridge.mapping.contacts import customer_store_id, newsletter_contact_of_customer, newsletter_store_id
from engage_bridge.mapping.email import require_email
from engage_bridge.messages import ContactUpsert
from engage_bridge.outcome import Outcome


def upsert_contact(services: Services, message: ContactUpsert) -> Outcome:
    if message.kind == "erasure":  # rare (a GDPR request): its module loads with the first one (issue 18)
        from engage_bridge.effects.erasure import erase_customer  # noqa: PLC0415

        return erase_customer(services, message)
    with services.contacts.one_message():  # each address and type looked up once (cache, then Engage)
        return _upsert(services, message)


class _ContactReads:
    """The contacts one message read from Engage: a first-seen yes reads the member and the newsletter contact to
    judge it, and the writes that follow compare against the same records, so each is read (GET) once. A write
    drops the contact's record: it is read again if needed."""

    def __init__(self, engage: EngageClient) -> None:
        self._engage = engage
        self._read: dict[str, dict[str, Any]] = {}

    def get(self, contact_id: str) -> dict[str, Any]:
        if contact_id not in self._read:
            self._read[contact_id] = self._engage.get_contact(contact_id)
        return self._read[contact_id]

    def written(self, contact_id: str) -> None:
        self._read.pop(contact_id, None)

    def patch(self, contact_id: str, changes: Mapping[str, Any], current: Mapping[str, Any]) -> tuple[str, ...]:
        """PATCH what of ``changes`` differs from ``current`` (the client sends nothing when nothing does)."""
        self.written(contact_id)
        return self._engage.update_contact(contact_id, changes, current=current)


def _upsert(services: Services, message: ContactUpsert) -> Outcome:
    cfg, gate, reads = services.config, ConsentGate(services.consent), _ContactReads(services.engage)
    now = services.consent.now()
    if message.subscription is not None:
        subscription = message.subscription
        email = require_email("newsletter_subscription", subscription.reference, subscription.email)
        if not services.config.newsletter_subscribers:
            return Outcome("skipped", "newsletter_sync_off")
        created_at = subscription.created_at.timestamp() if subscription.created_at else None
        signal = Signal("subscription", subscription.subscribed, now, created_at)
        accepts = _resolve(services, reads, gate, email, gate.judge(email, signal))
        contact = newsletter_contact(subscription, cfg, accepts)
        reason = _subscription(
            services, reads, gate, contact, accepts=accepts, store_id=newsletter_store_id(subscription, cfg)
        )
        gate.settle(email, signal)
        _record(services, message, reason)
        return Outcome("sent", reason)

    customer = message.customer
    if customer is None:  # ContactUpsert's validator makes this unreachable; mypy cannot know that
        raise MappingError("contact_upsert", message.correlation_id, "customer", "missing")
    email = require_email("customer", customer.reference, customer.email)
    is_member = contact_role(customer, cfg) == "member"
    syncs_newsletter = cfg.newsletter_subscribers and customer.newsletter is not None
    if not (is_member or syncs_newsletter):
        return Outcome("skipped", "not_a_member")
    signal = Signal("customer", customer.newsletter, now)
    accepts = _resolve(services, reads, gate, email, gate.judge(email, signal))
    reasons = []
    if is_member:
        member = customer_contact(customer, cfg, accepts)
        store_id = customer_store_id(customer, cfg)
        update = member_update(customer, cfg)
        reasons.append(
            _member(services, reads, gate, member, store_id=store_id, update=update, accepts=accepts, customer=customer)
        )
    if syncs_newsletter:
        contact = newsletter_contact_of_customer(customer, email, cfg, accepts)
        reasons.append(
            _subscription(services, reads, gate, contact, accepts=accepts, store_id=customer_store_id(customer, cfg))
        )
    gate.settle(email, signal)
    reason = "+".join(reasons)
    _record(services, message, reason)
    return Outcome("sent", reason)


def _resolve(
    services: Services, reads: _ContactReads, gate: ConsentGate, email: str, decision: Decision
) -> bool | None:
    """What may be written as ``acceptsEmail``; a first-seen yes is checked against every record of the address."""
    if decision.verdict == "first_opt_in":
        types = services.config.contact_types
        records = [
            record for kind in (types.member, types.newsletter) if (record := _read(services, reads, email, kind))
        ]
        decision = gate.confirm_first_opt_in(email, records)
    return decision.accepts_email


def _read(services: Services, reads: _ContactReads, email: str, contact_type: str) -> dict[str, Any] | None:
    contact_id = services.contacts.find(email, contact_type)
    if contact_id is None:
        return None
    try:
        return reads.get(contact_id)
    except EngageNotFound:
        services.contacts.forget(email, contact_type)  # deleted or merged in Engage: nothing there says no
        return None


def _record(services: Services, message: ContactUpsert, reason: str) -> None:
    """The write's ledger entry; a claimed write (``ContactUpsert.ledger_claim``) adds its content's version to the
    row with the time, which ends the claim and answers a copy of that content as a duplicate for the idempotency
    window (``LedgerClaims``)."""
    if (claim := message.ledger_claim) is not None:
        services.store.record(claim.effect, "sent", reason, version=claim.version)
    elif (effect := message.ledger_effect) is not None:
        services.store.record(effect, "sent", reason)


def _member(
    services: Services,
    reads: _ContactReads,
    gate: ConsentGate,
    member: ContactCreate,
    *,
    store_id: str,
    update: ContactUpdate | None,
    accepts: bool | None,
    customer: Customer,
) -> str:
    # The customer's linked member takes a changed e-mail rather than a second member being made (identity).
    customer_id = linked_customer_id(customer)
    contact_id, created = services.contacts.find_or_create(
        member, store_id, customer_id=customer_id, current_email=True
    )
    if created:
        if accepts:
            gate.written_opt_in(member.email)
        return "member_created"
    if update is None and accepts is None:
        return "member_exists"
    try:
        current = reads.get(contact_id)  # read already if a first-seen yes was judged
    except EngageNotFound:
        # The cached id is gone (contact deleted or merged in Engage): look it up afresh, once. The customer's link
        # may name it too (linked to that cached id just now): dropped, or the lookup would be given it again.
        services.contacts.forget(member.email, member.contact_type)
        link = services.contacts.linked(customer_id) if customer_id is not None else None
        if customer_id is not None and link is not None and link.contact_id == contact_id:
            services.contacts.unlink(customer_id, link, member.contact_type)
        contact_id, created = services.contacts.find_or_create(
            member, store_id, customer_id=customer_id, current_email=True
        )
        if created:
            return "member_created"
        current = reads.get(contact_id)
    if accepts is not None and accepts_email(current) is not accepts:
        # A fresh opt-in or an opt-out is the person's, so it reaches the member too: in the PATCH of its fields.
        consent = subscription_update(accepts)
        update = consent if update is None else update.model_copy(update={"preferences": consent.preferences})
    if update is None:
        return "member_unchanged"
    reads.written(contact_id)
    changed = services.contacts.update(contact_id, update, _attributes(current))
    if accepts and "preferences" in changed:
        gate.written_opt_in(member.email)
    return "member_updated" if changed else "member_unchanged"


def _subscription(
    services: Services,
    reads: _ContactReads,
    gate: ConsentGate,
    contact: ContactCreate,
    *,
    accepts: bool | None,
    store_id: str,
) -> str:
    if accepts is None:
        # Nothing to write about consent: a newsletter contact is neither made nor changed, so none is looked up.
        return "newsletter_consent_unchanged"
    existing = services.contacts.find(contact.email, contact.contact_type)
    if existing is None and not accepts:
        return "not_subscribed"  # a newsletter contact exists to carry a yes: none is made for a no
    contact_id, created = services.contacts.find_or_create(contact, store_id)
    if created:
        gate.written_opt_in(contact.email)
        return "newsletter_created"
    current = reads.get(contact_id)  # read already if a first-seen yes was judged
    changed = reads.patch(contact_id, subscription_update(accepts).body(), current)
    if changed and accepts:
        gate.written_opt_in(contact.email)
    return "newsletter_updated" if changed else "newsletter_unchanged"


def _attributes(contact: dict[str, object]) -> dict[str, object]:
    """Engage nests a contact's fields under ``attributes`` (v3 GET); compare against those."""
    attributes = contact.get("attributes")
    return attributes if isinstance(attributes, dict) else contact
