"""A customer deleted in Centra: the brand's ``erasure.action`` for its Engage member (docs/mapping.md "Erasure").

The member is the one linked to the customer's Centra id (``identity``): the deleted customer's e-mail is gone
with it, and a lookup by e-mail could find someone else. ``report`` (the default) records the erasure in the
ledger (``customer#<id>`` / ``erasure``, skipped as ``erasure_reported``; and ``erasures`` / ``customer#<id>``,
which reconciliation lists), logs it and counts ``ErasureReported``: a person decides in Engage. ``delete``
soft-deletes the member (``DELETE /api/v3/contacts/{id}?source=``; Engage keeps it restorable for seven days,
then erases its personal data: engage-wave2.md §4); a 404 means it was deleted already, and the link is dropped.
"""

from engage_bridge.effects.services import Services
from engage_bridge.errors import MappingError
from engage_bridge.messages import ContactUpsert
from engage_bridge.observability import count, logger
from engage_bridge.outcome import Outcome
from engage_bridge.state import REPORTED_ERASURES, Effect


def erase_customer(services: Services, message: ContactUpsert) -> Outcome:
    effect = message.ledger_effect
    if message.customer is None or message.customer.id is None or effect is None:
        raise MappingError("contact_upsert", message.correlation_id, "customer.id", "an erasure names its customer")
    customer_id = message.customer.reference
    if services.already_sent(effect, message.resend):
        return Outcome("skipped", "already_sent")
    link = services.contacts.linked(customer_id)
    if link is None:
        # Never synced as a member (or erased already): nothing in Engage is known to be this customer's.
        services.store.record(effect, "skipped", "erasure_no_linked_contact")
        return Outcome("skipped", "erasure_no_linked_contact")
    if services.config.erasure.action == "report":
        count("ErasureReported", "report")
        services.store.record(effect, "skipped", "erasure_reported")
        # Also under one subject, so reconciliation lists every reported erasure with one query.
        services.store.record(Effect(REPORTED_ERASURES, f"customer#{customer_id}"), "skipped", "erasure_reported")
        # A person acts on it: its own INFO line (a skipped record's "processed" line is DEBUG, sampled).
        logger.info("erasure reported", extra={"reason": "erasure_reported", "customer_id": customer_id})
        return Outcome("skipped", "erasure_reported")
    deleted = services.engage.delete_contact(link.contact_id, source=services.config.engage.source)
    services.contacts.unlink(customer_id, link, services.config.contact_types.member)
    reason = "contact_deleted" if deleted else "contact_already_deleted"
    services.store.record(effect, "sent", reason)
    return Outcome("sent", reason)
