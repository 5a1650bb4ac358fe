"""The consent rules for the newsletter contacts a backfill creates (docs/mapping.md "Consent").

A backfill replays Centra's history, so a customer's newsletter flag it reads is never a fresh opt-in: it may be
stale (a person who unsubscribed in Engage, which never tells Centra, seed 001). The bulk writer only ever sends
a no over an existing contact; the one place a yes is written is a newsletter contact it creates. Before that
create, as the live contact handler does for a first-seen yes (``consent.gate``), the address is checked: an
opt-out the state table knows of, or an Engage record of the address that says no (the member), holds the yes
back and no contact is created. A no found in Engage is kept in the state table, so the live path knows it too.
"""

from typing import Any, Protocol

from engage_bridge.backfill.bulk import PendingContact
from engage_bridge.config import BrandConfig
from engage_bridge.consent.gate import FROM_ENGAGE_CONTACT, accepts_email
from engage_bridge.consent.store import ConsentStore
from engage_bridge.engage.outcomes import EngageNotFound
from engage_bridge.observability import count


class ContactReader(Protocol):
    """The part of ``EngageClient`` the check reads the address's records with."""

    def find_contact_id(self, email: str, contact_type: str | None = None) -> str | None: ...

    def get_contact(self, contact_id: str) -> dict[str, Any]: ...


class BackfillConsent:
    def __init__(self, config: BrandConfig, store: ConsentStore, engage: ContactReader) -> None:
        self._config, self._store, self._engage = config, store, engage

    def may_create(self, contact: PendingContact) -> bool:
        """False if creating ``contact`` would write a yes the consent rules do not allow."""
        if contact.contact_type != self._config.contact_types.newsletter or accepts_email(contact.create) is not True:
            return True
        email = str(contact.create["email"])
        if self._store.consent(email).opted_out_at is not None:
            count("ConsentHeld", "known_opt_out")
            return False
        if any(accepts_email(record) is False for record in self._records(email)):
            self._store.record_opt_out(email, self._store.now(), FROM_ENGAGE_CONTACT)
            count("ConsentHeld", "engage_says_no")
            return False
        return True

    def _records(self, email: str) -> list[dict[str, Any]]:
        contact_id = self._engage.find_contact_id(email, self._config.contact_types.member)
        if contact_id is None:
            return []
        try:
            return [self._engage.get_contact(contact_id)]
        except EngageNotFound:
            return []
