"""One contact per person: a customer's member is linked to its Centra id and takes a changed e-mail."""

from collections.abc import Mapping
from typing import Any

import pytest

from engage_bridge.consumer import dead_letter_for
from engage_bridge.contacts import ContactDirectory
from engage_bridge.engage.models import ContactCreate
from engage_bridge.engage.outcomes import EngageNotFound
from engage_bridge.errors import EmailBelongsToAnotherContact
from engage_bridge.identity import DynamoIdentityLinks
from engage_bridge.state import DynamoStateStore, email_key


class Engage:
    """Contacts by id with their e-mail; lookups by e-mail across types, as ``GET /contacts/id?email=`` does."""

    def __init__(self) -> None:
        self.emails: dict[str, str] = {}
        self.created = 0
        self.patches: list[tuple[str, dict[str, Any]]] = []

    def find_contact_id(self, email: str, contact_type: str | None = None) -> str | None:
        return next((cid for cid, held in self.emails.items() if held.casefold() == email.casefold()), None)

    def create_contact(
        self, body: Mapping[str, Any], *, store_external_id: str | None = None, source: str | None = None
    ) -> str:
        self.created += 1
        contact_id = f"contact-{self.created}"
        self.emails[contact_id] = str(body["email"])
        return contact_id

    def update_contact(
        self, contact_id: str, changes: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> tuple[str, ...]:
        if contact_id not in self.emails:
            raise EngageNotFound("PATCH", f"/api/v3/contacts/{contact_id}", 404, "ContactNotFound")
        self.patches.append((contact_id, dict(changes)))
        if "email" in changes:
            self.emails[contact_id] = str(changes["email"])
        return tuple(changes)


@pytest.fixture
def engage() -> Engage:
    return Engage()


@pytest.fixture
def links(dynamodb: Any) -> DynamoIdentityLinks:
    return DynamoIdentityLinks(dynamodb, "state")


@pytest.fixture
def directory(dynamodb: Any, engage: Engage, links: DynamoIdentityLinks) -> ContactDirectory:
    return ContactDirectory(engage, DynamoStateStore(dynamodb, "state"), "ECOM", links)


def member(email: str) -> ContactCreate:
    return ContactCreate(contact_type="member", email=email, first_name="Anna")


def test_a_members_first_write_links_the_customer_to_its_contact(
    directory: ContactDirectory, links: DynamoIdentityLinks
) -> None:
    contact_id, created = directory.find_or_create(
        member("anna@example.com"), "SE", customer_id="77", current_email=True
    )

    link = links.linked("77")
    assert created and link is not None
    assert link.contact_id == contact_id
    assert link.email_fingerprint == email_key("anna@example.com")  # a fingerprint, never the address


def test_a_changed_e_mail_moves_to_the_same_contact_instead_of_a_second_member(
    directory: ContactDirectory, engage: Engage, links: DynamoIdentityLinks
) -> None:
    first, _ = directory.find_or_create(member("anna@example.com"), "SE", customer_id="77", current_email=True)

    second, created = directory.find_or_create(member("anna.l@example.com"), "SE", customer_id="77", current_email=True)

    assert (second, created) == (first, False)
    assert engage.emails == {first: "anna.l@example.com"}
    assert engage.patches == [(first, {"email": "anna.l@example.com"})]
    link = links.linked("77")
    assert link is not None and link.has_email("anna.l@example.com")
    assert directory.find("anna.l@example.com", "member") == first  # the cache knows the new address too
    assert directory.find("anna@example.com", "member") is None  # and forgot the old one, now free in Engage


def test_an_address_another_contact_holds_is_refused_never_merged(directory: ContactDirectory, engage: Engage) -> None:
    annas, _ = directory.find_or_create(member("anna@example.com"), "SE", customer_id="77", current_email=True)
    someone_else = engage.create_contact({"email": "shared@example.com"})

    with pytest.raises(EmailBelongsToAnotherContact) as refused:
        directory.find_or_create(member("shared@example.com"), "SE", customer_id="77", current_email=True)

    assert engage.emails == {annas: "anna@example.com", someone_else: "shared@example.com"}
    assert engage.patches == []
    letter = dead_letter_for(refused.value)
    assert letter is not None and letter.reason == "email_change_conflict"
    assert "another Engage contact already has" in letter.detail and "shared@example.com" not in letter.detail


def test_an_order_under_an_older_address_goes_to_the_linked_contact_and_moves_nothing(
    directory: ContactDirectory, engage: Engage
) -> None:
    first, _ = directory.find_or_create(member("anna.l@example.com"), "SE", customer_id="77", current_email=True)

    for_order, created = directory.find_or_create(member("anna@example.com"), "SE", customer_id="77")

    assert (for_order, created) == (first, False)
    assert engage.emails == {first: "anna.l@example.com"}
    assert engage.patches == []


def test_a_linked_contact_deleted_in_engage_is_found_or_created_afresh(
    directory: ContactDirectory, engage: Engage, links: DynamoIdentityLinks
) -> None:
    gone, _ = directory.find_or_create(member("anna@example.com"), "SE", customer_id="77", current_email=True)
    del engage.emails[gone]

    fresh, created = directory.find_or_create(member("anna.l@example.com"), "SE", customer_id="77", current_email=True)

    assert created and fresh != gone
    link = links.linked("77")
    assert link is not None and link.contact_id == fresh


def test_without_a_customer_id_nothing_is_linked(directory: ContactDirectory, links: DynamoIdentityLinks) -> None:
    directory.find_or_create(member("guest@example.com"), "SE")

    assert links.linked("None") is None


class LinkReads:
    """The state table's calls on ``customer#`` rows, as ``<operation>`` plus `` consistent`` or `` eventual`` for a
    read."""

    def __init__(self, client: Any) -> None:
        self.made: list[str] = []
        client.meta.events.register("before-parameter-build.dynamodb", self._note)

    def _note(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        key = params.get("Key") or params.get("Item") or {}
        if not str(key.get("pk", {}).get("S", "")).startswith("customer#"):
            return
        if model.name == "GetItem":
            self.made.append(f"GetItem {'consistent' if params.get('ConsistentRead') else 'eventual'}")
        else:
            self.made.append(model.name)


def test_an_orders_contact_reads_a_known_link_eventually_consistent(directory: ContactDirectory, dynamodb: Any) -> None:
    linked, _ = directory.find_or_create(member("anna@example.com"), "SE", customer_id="77", current_email=True)
    calls = LinkReads(dynamodb)

    assert directory.find_or_create(member("anna@example.com"), "SE", customer_id="77") == (linked, False)

    assert calls.made == ["GetItem eventual"]  # the contact id is all an order needs: half a read unit


def test_an_order_seeing_no_link_reads_it_again_consistently_before_it_links(
    directory: ContactDirectory, engage: Engage, dynamodb: Any
) -> None:
    calls = LinkReads(dynamodb)

    _, created = directory.find_or_create(member("anna@example.com"), "SE", customer_id="77")

    # A link written a moment ago may be missing from an eventually consistent read: the consistent one decides.
    assert calls.made == ["GetItem eventual", "GetItem consistent", "PutItem"]
    assert created and engage.created == 1


def test_an_order_finds_a_link_an_eventually_consistent_read_missed(
    directory: ContactDirectory, engage: Engage, links: DynamoIdentityLinks, dynamodb: Any
) -> None:
    linked, _ = directory.find_or_create(member("anna@example.com"), "SE", customer_id="77", current_email=True)
    late = DynamoIdentityLinks(dynamodb, "state")
    real = late.linked
    late.linked = lambda customer_id, *, consistent=True: real(customer_id) if consistent else None  # type: ignore[method-assign]
    ordering = ContactDirectory(engage, DynamoStateStore(dynamodb, "state"), "ECOM", late)

    assert ordering.find_or_create(member("anna.order@example.com"), "SE", customer_id="77") == (linked, False)
    assert engage.created == 1  # no second member, no lookup under the order's address


def test_a_customers_own_record_reads_its_link_consistently(directory: ContactDirectory, dynamodb: Any) -> None:
    directory.find_or_create(member("anna@example.com"), "SE", customer_id="77", current_email=True)
    calls = LinkReads(dynamodb)

    directory.find_or_create(member("anna@example.com"), "SE", customer_id="77", current_email=True)

    assert calls.made == ["GetItem consistent"]  # its e-mail is compared with the record's, to move it
