"""Finding and creating Engage contacts, shared by every handler.

Voyado's partner guide: always look a contact up before creating it. The order here is cache (state table),
then lookup by e-mail and contact type, then create with ``source`` and ``storeExternalId``. Creation never
overwrites anything: it happens only when Engage has no contact of that type for the e-mail. A create that
collides with a contact made meanwhile (409) ends with that contact, so a race ends in one contact; a phone Engage
refuses is dropped rather than losing the contact.

A member is also linked to its Centra customer id (``identity``): when that customer comes with another e-mail,
the linked contact's e-mail is changed (PATCH, after ``GET /contacts/id?email=`` found no contact with the new
address) instead of a second member being created; an address another contact holds is
``EmailBelongsToAnotherContact``, dead-lettered as ``email_change_conflict``.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

# A contact's phone is mapped with libphonenumber, which ``mapping.phones`` imports on first use so that functions
# that never write a contact (router, webhook, poller) do not load it; those that do load it here, at cold start.
import phonenumbers  # noqa: F401

from engage_bridge.delivery import current_delivery
from engage_bridge.engage.models import ContactCreate, ContactUpdate
from engage_bridge.engage.outcomes import (
    EngageConflict,
    EngageNotFound,
    EngageRetryableError,
    EngageValidationError,
    may_have_taken_effect,
)
from engage_bridge.errors import ContactCreationInProgress, EmailBelongsToAnotherContact
from engage_bridge.identity import ContactLink, IdentityLinks
from engage_bridge.observability import count
from engage_bridge.state import StateStore, email_key

_PHONE_FIELD = "mobilePhone"
# 409 codes on create (a third-party v2 client's code list, audit B9; the sandbox answers them too).
_BEING_CREATED = "ContactWithKeyIsBeingCreated"
_KEY_EXISTS = "ApprovedContactWithKeyExists"
# Engage's own create timeout: "on 504 no contact is created and everything is rolled back" (Voyado's timeout page,
# reference engage-api.md 1.4); any other 504 (a gateway's) may have been applied.
_CREATE_ROLLED_BACK = "RequestTimeOut"
# Engage's codes for a phone it cannot use (find contact: 400 InvalidPhoneNumber); fields named as in seed 001's
# 422 (``OrderStatus``), so compared without case.
_PHONE_CODES = frozenset({"invalidphonenumber", "invalidmobilephone"})


class ContactApi(Protocol):
    """The part of ``EngageClient`` contact resolution uses."""

    def find_contact_id(self, email: str, contact_type: str | None = None) -> str | None: ...

    def create_contact(
        self, body: Mapping[str, Any], *, store_external_id: str | None = None, source: str | None = None
    ) -> str: ...

    def update_contact(
        self, contact_id: str, changes: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> tuple[str, ...]: ...


class ContactDirectory:
    def __init__(self, engage: ContactApi, store: StateStore, source: str, links: IdentityLinks | None = None) -> None:
        self._engage = engage
        self._store = store
        self._source = source
        self._links = links
        self._known: dict[tuple[str, str], str | None] | None = None  # lookups of the message being handled

    @contextmanager
    def one_message(self) -> Iterator[None]:
        """Within one message an address and type is looked up once: the contact handler looks the member up to
        judge a first-seen yes and again to write it, the newsletter contact to judge, to decide and to write it.
        What the message itself creates, moves or forgets is kept up to date; nothing outlives the message."""
        self._known = {}
        try:
            yield
        finally:
            self._known = None

    def find(self, email: str, contact_type: str) -> str | None:
        """The contact id for this e-mail and type, or None if Engage has none."""
        key = (email_key(email), contact_type)
        if self._known is not None and key in self._known:
            return self._known[key]
        found = self._store.cached_contact_id(email, contact_type)
        if found is None:
            found = self._engage.find_contact_id(email, contact_type)
            if found is not None:
                self._store.cache_contact_id(email, contact_type, found)
        self._remember(email, contact_type, found)
        return found

    def _remember(self, email: str, contact_type: str, contact_id: str | None) -> None:
        if self._known is not None:
            self._known[(email_key(email), contact_type)] = contact_id

    def _forget_known(self, email_fingerprint: str, contact_type: str) -> None:
        """A lookup this message made that is no longer true: the next one asks the cache and Engage again."""
        if self._known is not None:
            self._known.pop((email_fingerprint, contact_type), None)

    def find_or_create(
        self,
        contact: ContactCreate,
        store_external_id: str,
        *,
        customer_id: str | None = None,
        current_email: bool = False,
    ) -> tuple[str, bool]:
        """The contact id, creating the contact if Engage has none; the flag says whether it was created.

        ``customer_id`` (a member's Centra customer id) follows the customer's link: the linked contact is used
        whatever e-mail the caller has. ``current_email`` says ``contact.email`` is the customer's e-mail now
        (a customer record, not an order placed under an older address), so the linked contact takes it.
        """
        if customer_id is None or self._links is None:
            return self._find_or_create(contact, store_external_id)
        link = self._link_of(self._links, customer_id, current_email=current_email)
        if link is not None and (link.has_email(contact.email) or not current_email):
            return link.contact_id, False
        if link is not None and self._move_email(self._links, customer_id, link.contact_id, contact):
            self._links.forget_address(link.email_fingerprint, contact.contact_type)
            self._forget_known(link.email_fingerprint, contact.contact_type)
            return link.contact_id, False
        contact_id, created = self._find_or_create(contact, store_external_id)
        self._links.link(customer_id, contact_id, contact.email)
        return contact_id, created

    @staticmethod
    def _link_of(links: IdentityLinks, customer_id: str, *, current_email: bool) -> ContactLink | None:
        """The customer's link. An order's contact (not ``current_email``) needs only the link's contact id, which a
        link keeps for good (an e-mail moves on the same contact), so an eventually consistent read answers it (half
        a read unit; most orders are of customers linked long before). A row only just written, or just removed
        (the contact erased or gone from Engage), may be seen late: no link seen is read again consistently before
        the contact is looked up and the link written, so a late read never adds a write or an Engage lookup; a link
        seen that was just removed names the contact an order racing the removal would have been given anyway. A
        customer's own record compares the link's e-mail to move it, so it reads consistently."""
        if current_email:
            return links.linked(customer_id)
        return links.linked(customer_id, consistent=False) or links.linked(customer_id)

    def _move_email(self, links: IdentityLinks, customer_id: str, contact_id: str, contact: ContactCreate) -> bool:
        """Give the linked contact the customer's new e-mail; False if that contact is gone from Engage."""
        holder = self._engage.find_contact_id(contact.email)
        if holder is not None and holder != contact_id:
            count("EmailChange", "address_taken")
            raise EmailBelongsToAnotherContact(customer_id)
        if holder is None:
            try:
                self._engage.update_contact(contact_id, {"email": contact.email})
            except EngageNotFound:
                links.unlink(customer_id)  # deleted in Engage: the customer is found or created afresh
                return False
            count("EmailChange", "moved")
        self._store.cache_contact_id(contact.email, contact.contact_type, contact_id)
        self._remember(contact.email, contact.contact_type, contact_id)
        links.link(customer_id, contact_id, contact.email)
        return True

    def _find_or_create(self, contact: ContactCreate, store_external_id: str) -> tuple[str, bool]:
        email, contact_type = contact.email, contact.contact_type
        if existing := self.find(email, contact_type):
            return existing, False
        owner = _claim_owner()
        if not self._store.claim_contact_creation(email, contact_type, owner):
            # Whoever held the claim may have finished since the lookup: then its id is cached, else it is busy.
            if cached := self._store.cached_contact_id(email, contact_type):
                self._remember(email, contact_type, cached)
                return cached, False
            raise ContactCreationInProgress(contact_type)
        try:
            created = self._create(contact, store_external_id)
        except EngageConflict as conflict:
            existing = self._resolve_collision(conflict, email, contact_type, owner)
            self._store.cache_contact_id(email, contact_type, existing)
            self._remember(email, contact_type, existing)
            return existing, False
        except Exception as error:
            if _may_have_created(error):
                # A create Engage may have applied (a timeout after the effect): the claim is kept, so no other
                # message creates the contact a second time; this message's redelivery takes it again, looks
                # Engage up first and creates only if the contact is still not there (a 409 then is resolved as
                # above). A message that never returns (its DLQ) leaves the claim to expire.
                count("ContactCreateInDoubt", "claim_kept")
            else:
                # Certainly not created: the retry, 2 s, 30 s, 60 s on (retry_cadence), need not wait for the claim.
                self._store.release_contact_creation(email, contact_type, owner)
            raise
        self._store.cache_contact_id(email, contact_type, created)
        self._remember(email, contact_type, created)
        return created, True

    def _resolve_collision(self, conflict: EngageConflict, email: str, contact_type: str, owner: str | None) -> str:
        try:
            return self._collided(conflict, email, contact_type)
        except Exception:
            self._store.release_contact_creation(email, contact_type, owner)  # a 409 created nothing
            raise

    def _create(self, contact: ContactCreate, store_external_id: str) -> str:
        body = contact.body()
        _count_left_out(contact.left_out)
        try:
            return self._engage.create_contact(body, store_external_id=store_external_id, source=self._source)
        except EngageValidationError as error:
            if _PHONE_FIELD not in body or not refuses_phone(error):
                raise
        # Centra's plugin does the same (seed 001): the contact matters, the phone does not.
        count("FieldLeftOut", "phone_refused")
        body = {name: value for name, value in body.items() if name != _PHONE_FIELD}
        return self._engage.create_contact(body, store_external_id=store_external_id, source=self._source)

    def _collided(self, conflict: EngageConflict, email: str, contact_type: str) -> str:
        """The contact a 409 on create collided with; raises when it is not there (yet).

        ``ContactWithKeyIsBeingCreated``: someone else (the brand's own sign-up, another stack) is creating it;
        retried later, the lookup finds it. ``ApprovedContactWithKeyExists``, or an answer naming the id: it
        exists, so it is used. A key Engage says exists but the lookup by e-mail and type cannot find (the
        tenant's key is not e-mail per type) stays a conflict, dead-lettered with its code.
        """
        if conflict.error_code == _BEING_CREATED:
            count("ContactCreateConflict", "being_created")
            raise ContactCreationInProgress(contact_type) from conflict
        if conflict.existing_id:
            count("ContactCreateConflict", "existing_id")
            return conflict.existing_id
        if conflict.error_code == _KEY_EXISTS and (found := self._engage.find_contact_id(email, contact_type)):
            count("ContactCreateConflict", "key_exists")
            return found
        raise conflict

    def update(self, contact_id: str, update: ContactUpdate, current: Mapping[str, Any]) -> tuple[str, ...]:
        """PATCH what changed; a phone Engage refuses is dropped and the rest sent again, once."""
        _count_left_out(update.left_out)
        changes = update.body()
        try:
            return self._engage.update_contact(contact_id, changes, current=current)
        except EngageValidationError as error:
            if _PHONE_FIELD not in changes or not refuses_phone(error):
                raise
            count("FieldLeftOut", "phone_refused")
            rest = {name: value for name, value in changes.items() if name != _PHONE_FIELD}
            return self._engage.update_contact(contact_id, rest, current=current)

    def linked(self, customer_id: str) -> ContactLink | None:
        """The Engage contact a Centra customer is linked to (``identity``), if any."""
        return None if self._links is None else self._links.linked(customer_id)

    def unlink(self, customer_id: str, link: ContactLink, contact_type: str) -> None:
        """Forget a customer whose contact was erased: its link, and the cached id of the contact's address."""
        if self._links is not None:
            self._links.unlink(customer_id)
            self._links.forget_address(link.email_fingerprint, contact_type)
            self._forget_known(link.email_fingerprint, contact_type)

    def forget(self, email: str, contact_type: str) -> None:
        """Drop a cached id Engage no longer knows (the contact was deleted or merged)."""
        self._store.forget_contact_id(email, contact_type)
        self._forget_known(email_key(email), contact_type)


def refuses_phone(error: EngageValidationError) -> bool:
    """Engage refused the request because of its phone number, and nothing else it names."""
    issues = error.issues
    if not issues:
        return (error.error_code or "").casefold() in _PHONE_CODES
    return all(
        issue.field.casefold() == _PHONE_FIELD.casefold() or issue.code.casefold() in _PHONE_CODES for issue in issues
    )


def _may_have_created(error: Exception) -> bool:
    """Whether a create that failed may have made the contact all the same (then its claim is kept)."""
    if isinstance(error, EngageRetryableError) and error.status == 504 and error.error_code == _CREATE_ROLLED_BACK:
        return error.earlier_attempt_maybe_applied
    return may_have_taken_effect(error)


def _claim_owner() -> str | None:
    """Who a creation claim belongs to: the SQS message being applied (the same id on each of its redeliveries);
    None outside the consumer (the subscription endpoint), whose claim only its expiry ends once kept."""
    delivery = current_delivery.get()
    return None if delivery is None else delivery.message_id


def _count_left_out(reasons: tuple[str, ...]) -> None:
    for reason in reasons:
        count("FieldLeftOut", reason)
