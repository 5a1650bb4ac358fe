"""An Engage preference change, taken in: read the contact again, keep an opt-out, and tell Centra where allowed.

Engage is the master of preferences and its webhook payload is neither documented nor ordered, so the contact is
re-read (engage-wave2.md §1.2, §1.4, "What the bridge should do" 4). An ``acceptsEmail: false`` is kept in the state
table under the address fingerprint, dated when Engage reported it, so the consent rules never write a yes from an
older Centra state (docs/mapping.md "Consent"). Writing it to Centra uses an assumed mutation
(``Mutation.updateCustomer``), so it is off until the brand turns it on after the doctor confirmed it; until then
the opt-out is reported (``ConsentOptOutNotWritten``). A yes in Engage needs nothing: Engage already has it, and
the bridge never writes a yes to Centra.
"""

from collections.abc import Callable
from typing import Any, Protocol

from msgspec import Struct

from engage_bridge.config import BrandConfig
from engage_bridge.consent.decrypt import PayloadUnreadable, decrypt_payload
from engage_bridge.consent.gate import accepts_email
from engage_bridge.consent.messages import PreferenceChange
from engage_bridge.consent.store import ConsentStore
from engage_bridge.engage.outcomes import EngageNotFound
from engage_bridge.observability import count, logger
from engage_bridge.outcome import Outcome
from engage_bridge.pii import email_ref

FROM_WEBHOOK = "engage_webhook"
FROM_CHANGES = "engage_changes"


class ContactReader(Protocol):
    def get_contact(self, contact_id: str) -> dict[str, Any]: ...


class CentraCustomers(Protocol):
    """The part of ``CentraClient`` the write-back uses."""

    def customers_by_email(self, email: str) -> list[Any]: ...

    def set_receive_newsletters(self, customer_id: int, receive_newsletters: bool) -> None: ...


class ConsentServices(Struct, frozen=True):
    config: BrandConfig
    engage: ContactReader
    consent: ConsentStore
    centra: CentraCustomers | None  # None: write-back off (consent.write_opt_outs_to_centra)
    # The webhook payload key, read when an encrypted payload first needs it (a secret, not read at cold start).
    encryption_key: Callable[[], str | None] = lambda: None


def take_preference_change(services: ConsentServices, change: PreferenceChange) -> Outcome:
    contact_id = change.contact_id or _decrypted_contact_id(services, change)
    if contact_id is None:
        # Left to the changes feed, which names the contact without a payload.
        return Outcome("skipped", "encrypted_payload_unreadable")
    try:
        contact = services.engage.get_contact(contact_id)
    except EngageNotFound:
        return Outcome("skipped", "contact_not_in_engage")
    email = _email(contact)
    accepts = accepts_email(contact)
    if email is None or accepts is None:
        return Outcome("skipped", "no_email" if email is None else "no_email_preference")
    if accepts:
        return Outcome("skipped", "opted_in_in_engage")
    source = FROM_WEBHOOK if change.source == "webhook" else FROM_CHANGES
    newer = services.consent.record_opt_out(email, change.observed_at, source)
    count("ConsentOptOutKept", source if newer else f"{source}_already_kept")
    return _to_centra(services, email)


def _to_centra(services: ConsentServices, email: str) -> Outcome:
    if services.centra is None:
        count("ConsentOptOutNotWritten", "centra_write_off")
        logger.info("opt-out kept, not written to Centra (consent.write_opt_outs_to_centra off)",
                    extra={"email": email_ref(email)})  # fmt: skip
        return Outcome("sent", "opt_out_kept_centra_write_off")
    customers = [c for c in services.centra.customers_by_email(email) if isinstance(getattr(c, "id", None), int)]
    if not customers:
        count("ConsentOptOutNotWritten", "no_centra_customer")
        return Outcome("sent", "opt_out_kept_no_centra_customer")
    for customer in customers:
        if customer.newsletter is not False:
            services.centra.set_receive_newsletters(customer.id, False)
    count("ConsentOptOutWritten", "centra")
    return Outcome("sent", "opt_out_written_to_centra")


def _decrypted_contact_id(services: ConsentServices, change: PreferenceChange) -> str | None:
    key = services.encryption_key() if change.encrypted_payload is not None else None
    if change.encrypted_payload is None or not key:
        count("ConsentWebhookUnreadable", "no_encryption_key")
        return None
    try:
        payload = decrypt_payload(change.encrypted_payload, key)
    except PayloadUnreadable as error:
        count("ConsentWebhookUnreadable", "decryption_failed")
        logger.warning("encrypted preference webhook unreadable", extra={"why": str(error)})
        return None
    found = next((v for k, v in payload.items() if k.casefold() == "contactid" and isinstance(v, str) and v), None)
    return found


def _email(contact: dict[str, Any]) -> str | None:
    for holder in (contact.get("attributes"), contact):
        if isinstance(holder, dict):
            value = next((v for k, v in holder.items() if isinstance(k, str) and k.casefold() == "email"), None)
            if isinstance(value, str) and value.strip():
                return value
    return None
