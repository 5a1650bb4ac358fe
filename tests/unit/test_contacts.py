"""Contact resolution: cache, lookup, then create, with only one creator per e-mail and contact type."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from moto import mock_aws

from engage_bridge.contacts import ContactDirectory
from engage_bridge.delivery import Delivery, current_delivery
from engage_bridge.engage.models import ContactCreate, ContactUpdate
from engage_bridge.engage.outcomes import EngageConflict, EngageRetryableError, EngageValidationError, ValidationIssue
from engage_bridge.errors import ContactCreationInProgress
from engage_bridge.state import CONTACT_CLAIM_SECONDS, DynamoStateStore
from tests.aws import Clock, create_state_table
from tests.lambda_support import emitted_metrics, flushed_output


class RecordingEngage:
    """Engage as two racing handlers see it: nobody exists until someone creates."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def find_contact_id(self, email: str, contact_type: str | None = None) -> str | None:
        return None  # both handlers looked before either created

    def create_contact(
        self, body: Mapping[str, Any], *, store_external_id: str | None = None, source: str | None = None
    ) -> str:
        self.created.append(str(body["email"]))
        return f"contact-{len(self.created)}"

    def update_contact(
        self, contact_id: str, changes: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> tuple[str, ...]:
        return tuple(changes)


@pytest.fixture
def store() -> Iterator[DynamoStateStore]:
    with mock_aws():
        client = boto3.client("dynamodb")
        create_state_table(client)
        yield DynamoStateStore(client, "state")


def member(email: str) -> ContactCreate:
    return ContactCreate(contact_type="member", email=email, first_name="Anna")


def test_of_two_racing_creators_one_creates_and_the_other_retries_later(store: DynamoStateStore) -> None:
    engage = RecordingEngage()
    second = ContactDirectory(engage, store, "ECOM")
    store.claim_contact_creation("anna@example.com", "member")  # the first handler is mid-creation

    with pytest.raises(ContactCreationInProgress):
        second.find_or_create(member("anna@example.com"), "SE")
    assert engage.created == []


def test_the_retry_finds_what_the_winner_created(store: DynamoStateStore) -> None:
    engage = RecordingEngage()
    winner, loser = ContactDirectory(engage, store, "ECOM"), ContactDirectory(engage, store, "ECOM")

    created_id, created = winner.find_or_create(member("anna@example.com"), "SE")
    found_id, created_again = loser.find_or_create(member("anna@example.com"), "SE")

    assert (created, created_again) == (True, False)
    assert found_id == created_id
    assert engage.created == ["anna@example.com"]


class PhoneRefusingEngage(RecordingEngage):
    """Engage refusing any body with a phone, in seed 001's 422 envelope."""

    def __init__(self, issue: ValidationIssue | None = None) -> None:
        super().__init__()
        self.bodies: list[dict[str, Any]] = []
        self._issue = issue or ValidationIssue("InvalidPhoneNumber", "MobilePhone", "not a valid phone number")

    def create_contact(
        self, body: Mapping[str, Any], *, store_external_id: str | None = None, source: str | None = None
    ) -> str:
        self._refuse_a_phone(body)
        return super().create_contact(body, store_external_id=store_external_id, source=source)

    def update_contact(
        self, contact_id: str, changes: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> tuple[str, ...]:
        self._refuse_a_phone(changes)
        return tuple(changes)

    def _refuse_a_phone(self, body: Mapping[str, Any]) -> None:
        self.bodies.append(dict(body))
        if "mobilePhone" in body:
            raise EngageValidationError("POST", "/api/v3/contacts", 422, None, issues=(self._issue,))


def with_phone(email: str) -> ContactCreate:
    return ContactCreate(contact_type="member", email=email, first_name="Anna", mobile_phone="+46701234567")


def test_a_phone_engage_refuses_is_dropped_and_the_contact_created_once_more(
    store: DynamoStateStore, capsys: pytest.CaptureFixture[str]
) -> None:
    engage = PhoneRefusingEngage()

    contact_id, created = ContactDirectory(engage, store, "ECOM").find_or_create(with_phone("anna@example.com"), "SE")

    assert (contact_id, created) == ("contact-1", True)
    assert [("mobilePhone" in body) for body in engage.bodies] == [True, False]
    assert engage.bodies[1]["firstName"] == "Anna"
    assert ("FieldLeftOut", "phone_refused") in [
        (name, dims.get("reason")) for name, dims in emitted_metrics(flushed_output(capsys))
    ]


def test_a_refusal_about_more_than_the_phone_is_not_retried(store: DynamoStateStore) -> None:
    engage = PhoneRefusingEngage(ValidationIssue("InvalidEmailAddress", "Email", "not an e-mail address"))

    with pytest.raises(EngageValidationError):
        ContactDirectory(engage, store, "ECOM").find_or_create(with_phone("anna@example.com"), "SE")
    assert len(engage.bodies) == 1


def test_a_phone_the_mapping_left_out_is_counted_when_the_contact_is_created(
    store: DynamoStateStore, capsys: pytest.CaptureFixture[str]
) -> None:
    contact = member("anna@example.com").leaving_out("invalid_phone")

    ContactDirectory(RecordingEngage(), store, "ECOM").find_or_create(contact, "SE")

    assert ("FieldLeftOut", "invalid_phone") in [
        (name, dims.get("reason")) for name, dims in emitted_metrics(flushed_output(capsys))
    ]


def test_a_member_update_whose_phone_engage_refuses_sends_the_rest(store: DynamoStateStore) -> None:
    engage = PhoneRefusingEngage()
    update = ContactUpdate(first_name="Anna", mobile_phone="+46701234567")

    changed = ContactDirectory(engage, store, "ECOM").update("c-1", update, {})

    assert changed == ("firstName",)
    assert engage.bodies == [{"firstName": "Anna", "mobilePhone": "+46701234567"}, {"firstName": "Anna"}]


class CollidingEngage(RecordingEngage):
    """Engage where someone else creates the contact between our lookup and our create."""

    def __init__(self, code: str, existing_id: str | None = None, found_after: str | None = "site-made") -> None:
        super().__init__()
        self.lookups = 0
        self._code, self._existing_id, self._found_after = code, existing_id, found_after

    def find_contact_id(self, email: str, contact_type: str | None = None) -> str | None:
        self.lookups += 1
        return None if self.lookups == 1 else self._found_after

    def create_contact(
        self, body: Mapping[str, Any], *, store_external_id: str | None = None, source: str | None = None
    ) -> str:
        raise EngageConflict("POST", "/api/v3/contacts", self._code, existing_id=self._existing_id)


def test_a_key_that_exists_is_looked_up_again_and_used(store: DynamoStateStore) -> None:
    engage = CollidingEngage("ApprovedContactWithKeyExists")
    directory = ContactDirectory(engage, store, "ECOM")

    assert directory.find_or_create(member("anna@example.com"), "SE") == ("site-made", False)
    assert engage.lookups == 2
    assert store.cached_contact_id("anna@example.com", "member") == "site-made"


def test_an_answer_naming_the_existing_contact_is_used_without_a_lookup(store: DynamoStateStore) -> None:
    engage = CollidingEngage("ApprovedContactWithKeyExists", existing_id="named-by-engage")

    assert ContactDirectory(engage, store, "ECOM").find_or_create(member("anna@example.com"), "SE") == (
        "named-by-engage",
        False,
    )
    assert engage.lookups == 1


def test_a_contact_being_created_elsewhere_is_retried_later(store: DynamoStateStore) -> None:
    engage = CollidingEngage("ContactWithKeyIsBeingCreated")
    directory = ContactDirectory(engage, store, "ECOM")

    with pytest.raises(ContactCreationInProgress):
        directory.find_or_create(member("anna@example.com"), "SE")
    # The redelivery looks up first and finds what the other creator made.
    assert directory.find_or_create(member("anna@example.com"), "SE") == ("site-made", False)


def test_an_existing_key_the_lookup_cannot_find_stays_a_conflict(store: DynamoStateStore) -> None:
    engage = CollidingEngage("ApprovedContactWithKeyExists", found_after=None)

    with pytest.raises(EngageConflict) as raised:
        ContactDirectory(engage, store, "ECOM").find_or_create(member("anna@example.com"), "SE")
    assert raised.value.error_code == "ApprovedContactWithKeyExists"


def test_a_failed_create_gives_its_claim_back_so_the_retry_need_not_wait_for_it(store: DynamoStateStore) -> None:
    engage = CollidingEngage("ContactWithKeyIsBeingCreated", found_after=None)
    directory = ContactDirectory(engage, store, "ECOM")

    with pytest.raises(ContactCreationInProgress):
        directory.find_or_create(member("anna@example.com"), "SE")

    assert store.claim_contact_creation("anna@example.com", "member")


# A create whose outcome is unknown (issue 18 session 14; decision log 2026-12-07, "Fix 3 created one member twice").


@contextmanager
def delivered(message_id: str) -> Iterator[None]:
    """Run as the consumer runs a record: the SQS message being applied is ``message_id``."""
    token = current_delivery.set(Delivery(message_id, redriven=False))
    try:
        yield
    finally:
        current_delivery.reset(token)


class UnansweredEngage:
    """Engage whose answer to the first create never arrives: ``applied`` says whether it created the contact
    anyway (a read timeout after the effect) or not (a 500 before it). ``error`` replaces the timeout with a
    certain refusal. Every POST is kept, refused ones too: the sandbox counts a second create as a failure."""

    def __init__(self, *, applied: bool, error: Exception | None = None) -> None:
        self.contacts: dict[str, str] = {}
        self.posts: list[str] = []
        self._applied = applied
        self._error = error

    def find_contact_id(self, email: str, contact_type: str | None = None) -> str | None:
        return self.contacts.get(email)

    def create_contact(
        self, body: Mapping[str, Any], *, store_external_id: str | None = None, source: str | None = None
    ) -> str:
        email = str(body["email"])
        self.posts.append(email)
        if email in self.contacts:
            raise EngageConflict("POST", "/api/v3/contacts", "ApprovedContactWithKeyExists")
        if len(self.posts) == 1:
            if self._applied:
                self.contacts[email] = "contact-1"
            raise self._error or EngageRetryableError("POST", "/api/v3/contacts", None, None, maybe_applied=True)
        self.contacts[email] = f"contact-{len(self.posts)}"
        return self.contacts[email]

    def update_contact(
        self, contact_id: str, changes: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> tuple[str, ...]:
        return tuple(changes)


def first_create_unanswered(owner: ContactDirectory, other: ContactDirectory) -> None:
    """``other``'s message looks the address up (404), then ``owner``'s message creates it and gets no answer."""
    with delivered("message-b"), other.one_message():
        assert other.find("anna@example.com", "member") is None
        with delivered("message-a"), pytest.raises(EngageRetryableError):
            owner.find_or_create(member("anna@example.com"), "SE")
        # The lookup this message made stands (one per message): it goes on to claim the creation.
        with pytest.raises(ContactCreationInProgress):
            other.find_or_create(member("anna@example.com"), "SE")


def test_a_create_engage_applied_unanswered_keeps_its_claim_and_the_owner_finds_it(dynamodb: Any) -> None:
    store = DynamoStateStore(dynamodb, "state")
    engage = UnansweredEngage(applied=True)
    owner, other = ContactDirectory(engage, store, "ECOM"), ContactDirectory(engage, store, "ECOM")

    first_create_unanswered(owner, other)
    with delivered("message-a"):  # the owner's redelivery looks Engage up first and caches what it finds
        assert owner.find_or_create(member("anna@example.com"), "SE") == ("contact-1", False)
    with delivered("message-b"):
        assert other.find_or_create(member("anna@example.com"), "SE") == ("contact-1", False)

    assert engage.posts == ["anna@example.com"]  # never a second create, not even one Engage refuses
    assert store.cached_contact_id("anna@example.com", "member") == "contact-1"


def test_the_owner_of_a_kept_claim_creates_again_when_engage_has_no_contact(dynamodb: Any) -> None:
    store = DynamoStateStore(dynamodb, "state")
    engage = UnansweredEngage(applied=False)
    owner, other = ContactDirectory(engage, store, "ECOM"), ContactDirectory(engage, store, "ECOM")

    first_create_unanswered(owner, other)
    with delivered("message-a"):
        assert owner.find_or_create(member("anna@example.com"), "SE") == ("contact-2", True)
    with delivered("message-b"):
        assert other.find_or_create(member("anna@example.com"), "SE") == ("contact-2", False)

    assert engage.posts == ["anna@example.com", "anna@example.com"]  # both the owner's: one contact
    assert list(engage.contacts) == ["anna@example.com"]


@pytest.mark.parametrize(
    "unanswered",
    [
        EngageRetryableError("POST", "/api/v3/contacts", 504, None, maybe_applied=True),  # a gateway's, not Engage's
        EngageRetryableError("POST", "/api/v3/contacts", 500, None, maybe_applied=True),
        RuntimeError("the failure is not Engage's answer"),
    ],
    ids=["gateway_504", "500", "not_engage"],
)
def test_a_create_that_may_have_happened_keeps_its_claim(dynamodb: Any, unanswered: Exception) -> None:
    store = DynamoStateStore(dynamodb, "state")
    engage = UnansweredEngage(applied=False, error=unanswered)

    with delivered("message-a"), pytest.raises(type(unanswered)):
        ContactDirectory(engage, store, "ECOM").find_or_create(member("anna@example.com"), "SE")
    with delivered("message-b"), pytest.raises(ContactCreationInProgress):
        ContactDirectory(engage, store, "ECOM").find_or_create(member("anna@example.com"), "SE")
    assert engage.posts == ["anna@example.com"]


def test_a_kept_claim_whose_message_never_returns_expires(dynamodb: Any, clock: Clock) -> None:
    store = DynamoStateStore(dynamodb, "state", clock)
    engage = UnansweredEngage(applied=False)
    owner, other = ContactDirectory(engage, store, "ECOM"), ContactDirectory(engage, store, "ECOM")

    first_create_unanswered(owner, other)  # then message-a is dead-lettered, holding the claim
    clock.now += CONTACT_CLAIM_SECONDS - 1
    with delivered("message-b"), pytest.raises(ContactCreationInProgress):
        other.find_or_create(member("anna@example.com"), "SE")
    clock.now += 1
    with delivered("message-b"):
        assert other.find_or_create(member("anna@example.com"), "SE") == ("contact-2", True)


@pytest.mark.parametrize(
    "refusal",
    [
        EngageRetryableError("POST", "/api/v3/contacts", 429, None, maybe_applied=False),
        EngageRetryableError("POST", "/api/v3/contacts", None, None, maybe_applied=False, detail="ConnectError"),
        EngageValidationError("POST", "/api/v3/contacts", 400, "InvalidEmailAddress", issues=()),
        # Engage's own create timeout is rolled back (engage-api.md 1.4).
        EngageRetryableError("POST", "/api/v3/contacts", 504, "RequestTimeOut", maybe_applied=True),
    ],
    ids=["429", "never_sent", "400", "engage_504"],
)
def test_a_create_that_certainly_did_not_happen_gives_its_claim_back(dynamodb: Any, refusal: Exception) -> None:
    store = DynamoStateStore(dynamodb, "state")
    engage = UnansweredEngage(applied=False, error=refusal)

    with delivered("message-a"), pytest.raises(type(refusal)):
        ContactDirectory(engage, store, "ECOM").find_or_create(member("anna@example.com"), "SE")
    with delivered("message-b"):
        assert ContactDirectory(engage, store, "ECOM").find_or_create(member("anna@example.com"), "SE") == (
            "contact-2",
            True,
        )


def test_outside_a_message_an_unanswered_create_keeps_its_claim_until_it_expires(dynamodb: Any, clock: Clock) -> None:
    """The subscription endpoint has no message id: its kept claim answers "try again" until it expires."""
    store = DynamoStateStore(dynamodb, "state", clock)
    engage = UnansweredEngage(applied=False)
    directory = ContactDirectory(engage, store, "ECOM")

    with pytest.raises(EngageRetryableError):
        directory.find_or_create(member("anna@example.com"), "SE")
    with pytest.raises(ContactCreationInProgress):
        directory.find_or_create(member("anna@example.com"), "SE")
    clock.now += CONTACT_CLAIM_SECONDS
    assert directory.find_or_create(member("anna@example.com"), "SE") == ("contact-2", True)
