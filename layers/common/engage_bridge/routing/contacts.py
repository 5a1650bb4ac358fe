"""Routing customers and newsletter sign-ups to the contact handler (seed 001's contact rules)."""

from engage_bridge.centra import Customer, NewsletterSubscription
from engage_bridge.config import BrandConfig
from engage_bridge.mapping import contact_role
from engage_bridge.messages import ContactUpsert
from engage_bridge.routing.decision import Decision, Routed, Skipped


def route_customer(customer: Customer, cfg: BrandConfig, *, historical: bool = False) -> Decision:
    """A contact upsert when the customer is a member under ``contact_sync``, or carries a newsletter flag to sync.

    Not filtered by the ledger: a changed customer is a new write (its business key hashes the content), and
    whether it may update Engage is the contact handler's rule (``customer_updates``). A customer who is neither
    is skipped as ``not_a_member``: transactional contacts are created only when an e-mail needs one.
    """
    subject = f"customer:{customer.reference}"
    if not customer.email:
        return Decision(skipped=[Skipped("no_email", subject)])
    is_member = contact_role(customer, cfg) == "member"
    has_newsletter_flag = cfg.newsletter_subscribers and customer.newsletter is not None
    if not (is_member or has_newsletter_flag):
        return Decision(skipped=[Skipped("not_a_member", subject)])
    return Decision(routed=[Routed.of(ContactUpsert(kind="customer", customer=customer, historical=historical))])


def route_customer_erasure(customer_id: int) -> Decision:
    """A customer deleted in Centra: the contact handler applies the brand's ``erasure.action`` to its member."""
    return Decision(routed=[Routed.of(ContactUpsert(kind="erasure", customer=Customer(id=customer_id)))])


def route_newsletter_subscription(subscription: NewsletterSubscription, cfg: BrandConfig) -> Decision:
    """A ``contact`` (newsletter type) when the brand syncs newsletter subscribers; unsubscribing is routed too."""
    subject = f"newsletter_subscription:{subscription.reference}"
    if not cfg.newsletter_subscribers:
        return Decision(skipped=[Skipped("newsletter_sync_off", subject)])
    if not subscription.email:
        return Decision(skipped=[Skipped("no_email", subject)])
    if subscription.is_back_in_stock:
        # Centra's back-in-stock sign-up (a productSize or productVariant on the subscription) is no newsletter
        # opt-in; Engage's back-in-stock subscriptions come from Engage's own form (seed 004).
        return Decision(skipped=[Skipped("back_in_stock_signup", subject)])
    return Decision(routed=[Routed.of(ContactUpsert(kind="newsletter", subscription=subscription))])
