"""Finding and creating Engage contacts, shared by every handler.

Voyado's partner guide: always look a contact up before creating it. The order here is cache (state table),
then lookup by e-mail and contact type, then create with ``source`` and ``storeExternalId``. Creation never
overwrites anything: it happens only when Engage has no contact of that type for the e-mail.
"""

from collections.abc import Mapping
from typing import Any, Protocol

from engage_bridge.engage.models import ContactCreate
from engage_bridge.errors import BridgeError
from engage_bridge.state import StateStore


class ContactCreationInProgress(BridgeError):
    """Another invocation is creating this contact right now; retried later, it finds the contact."""

    def __init__(self, contact_type: str) -> None:
        super().__init__(f"a {contact_type} contact for this e-mail is being created by another invocation")


class ContactApi(Protocol):
    """The part of ``EngageClient`` contact resolution uses."""

    def find_contact_id(self, email: str, contact_type: str | None = None) -> str | None: ...

    def create_contact(
        self, body: Mapping[str, Any], *, store_external_id: str | None = None, source: str | None = None
    ) -> str: ...


class ContactDirectory:
    def __init__(self, engage: ContactApi, store: StateStore, source: str) -> None:
        self._engage = engage
        self._store = store
        self._source = source

    def find(self, email: str, contact_type: str) -> str | None:
        """The contact id for this e-mail and type, or None if Engage has none."""
        if cached := self._store.cached_contact_id(email, contact_type):
            return cached
        found = self._engage.find_contact_id(email, contact_type)
        if found is not None:
            self._store.cache_contact_id(email, contact_type, found)
        return found

    def find_or_create(self, contact: ContactCreate, store_external_id: str) -> tuple[str, bool]:
        """The contact id, creating the contact if Engage has none; the flag says whether it was created."""
        email, contact_type = contact.email, contact.contact_type
        if existing := self.find(email, contact_type):
            return existing, False
        if not self._store.claim_contact_creation(email, contact_type):
            raise ContactCreationInProgress(contact_type)
        # Whoever held the claim before may have finished just now.
        if cached := self._store.cached_contact_id(email, contact_type):
            return cached, False
        created = self._engage.create_contact(contact.body(), store_external_id=store_external_id, source=self._source)
        self._store.cache_contact_id(email, contact_type, created)
        return created, True

    def forget(self, email: str, contact_type: str) -> None:
        """Drop a cached id Engage no longer knows (the contact was deleted or merged)."""
        self._store.forget_contact_id(email, contact_type)
