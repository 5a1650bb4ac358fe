"""The calls one contact write makes, in order: the state table's by operation and record, and Engage's requests.

The handler's consumer claims the ledger row before ``upsert_contact`` runs (one eventually consistent read and a
conditional update, ``LedgerClaims``); what is pinned here is the effect's own work, from the consent record to the
ledger entry. Each Engage request also costs a lease on the stack's budget (a write) and the time spent waiting
for it, so a request left out is a write and some billed milliseconds saved (issue 18).
"""

import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import boto3
import pytest
from moto import mock_aws

from engage_bridge.config import parse_config
from engage_bridge.consent import DynamoConsentStore
from engage_bridge.consumer import IDEMPOTENCY_SECONDS
from engage_bridge.contacts import ContactDirectory
from engage_bridge.effects.contact_upsert import upsert_contact
from engage_bridge.effects.services import Services
from engage_bridge.engage.client import EngageClient
from engage_bridge.engage.contact_changes import changed_fields
from engage_bridge.identity import DynamoIdentityLinks
from engage_bridge.messages import ContactUpsert
from engage_bridge.state import DynamoStateStore, LedgerClaims
from engage_bridge_tools.local.aws_calls import item_record
from tests.aws import create_state_table

EXAMPLE = Path(__file__).resolve().parents[2] / "tools/engage_bridge_tools/data/brand.example.json"
EMAIL = "anna@example.com"


class Engage:
    """Engage's contacts in memory: lookups by e-mail and type, reads, creates and PATCHes, each one logged."""

    def __init__(self) -> None:
        self.contacts: dict[str, dict[str, Any]] = {}
        self.requests: list[str] = []

    def seed(self, contact_type: str, **preferences: bool) -> str:
        contact_id = f"c{len(self.contacts) + 1}"
        self.contacts[contact_id] = {
            "id": contact_id,
            "email": EMAIL,
            "contactType": contact_type,
            "attributes": {"firstName": "Anna"},
            "preferences": dict(preferences),
        }
        return contact_id

    def find_contact_id(self, email: str, contact_type: str | None = None) -> str | None:
        self.requests.append("GET /contacts/id")
        return next(
            (
                contact_id
                for contact_id, contact in self.contacts.items()
                if contact["email"] == email and contact_type in (None, contact["contactType"])
            ),
            None,
        )

    def get_contact(self, contact_id: str) -> dict[str, Any]:
        self.requests.append("GET /contacts/{id}")
        copy: dict[str, Any] = json.loads(json.dumps(self.contacts[contact_id]))  # as a response would be
        return copy

    def create_contact(
        self, body: Mapping[str, Any], *, store_external_id: str | None = None, source: str | None = None
    ) -> str:
        self.requests.append("POST /contacts")
        contact_id = self.seed(str(body["contactType"]))
        self.contacts[contact_id]["preferences"] = dict(body.get("preferences") or {})
        return contact_id

    def update_contact(
        self, contact_id: str, changes: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> tuple[str, ...]:
        payload = changed_fields(changes, current)  # as the client: nothing is sent when nothing changed
        if not payload:
            return ()
        self.requests.append("PATCH /contacts/{id}")
        contact = self.contacts[contact_id]
        for name, value in payload.items():
            if name == "preferences":
                contact["preferences"].update(value)
            else:
                contact["attributes"][name] = value
        return tuple(payload)


class Calls:
    """The state table's calls in order, as ``<operation> <record kind>`` (the bench's keys)."""

    def __init__(self, client: Any) -> None:
        self.made: list[str] = []
        client.meta.events.register("before-call.dynamodb", self._count)

    def _count(self, model: Any, params: Mapping[str, Any] | None = None, **_: Any) -> None:
        self.made.append(f"{model.name} {item_record(model.name, params)}")

    def take(self) -> list[str]:
        made, self.made = self.made, []
        return made


@dataclass
class Bridge:
    services: Services
    engage: Engage
    calls: Calls
    claims: LedgerClaims


@pytest.fixture
def bridge() -> Iterator[Bridge]:
    with mock_aws():
        client = boto3.client("dynamodb")
        create_state_table(client)
        config = parse_config(EXAMPLE.read_text(encoding="utf-8"))
        engage, store = Engage(), DynamoStateStore(client, "state")
        contacts = ContactDirectory(engage, store, "ECOM", DynamoIdentityLinks(client, "state"))
        services = Services(config, cast(EngageClient, engage), store, contacts, DynamoConsentStore(client, "state"))
        yield Bridge(services, engage, Calls(client), LedgerClaims(client, "state"))


def write(bridge: Bridge, **fields: Any) -> str:
    """One customer message as the handler takes it: its ledger row claimed by the consumer (not pinned here), then
    the effect."""
    customer = {"id": 77, "email": EMAIL, "firstName": "Anna", "registered": True, **fields}
    message = ContactUpsert.model_validate({"kind": "customer", "customer": customer})
    claim = message.ledger_claim
    assert claim is not None
    answer = bridge.claims.claim(claim.effect, str(uuid.uuid4()), 60, claim.version, window=IDEMPOTENCY_SECONDS)
    assert answer == "claimed"
    bridge.calls.take()
    return upsert_contact(bridge.services, message).reason


def test_a_new_subscribed_member_looks_each_address_up_once_and_creates_both_contacts(
    bridge: Bridge,
) -> None:
    engage, calls = bridge.engage, bridge.calls

    assert write(bridge, receiveNewsletters=True) == "member_created+newsletter_created"

    assert calls.take() == [
        "GetItem consent",
        "GetItem contact",  # the member's cached id, to judge a first-seen yes
        "GetItem contact",  # the newsletter contact's
        "GetItem customer",  # the customer's link to its member
        "UpdateItem contact",  # the member's creation claim
        "PutItem contact",  # its id cached, ending the claim
        "PutItem customer",  # the link
        "UpdateItem contact",  # the newsletter contact's creation claim
        "PutItem contact",
        "UpdateItem consent",  # Centra's flag and the yes written, in one write
        "UpdateItem effect",  # the ledger entry
    ]
    assert engage.requests == ["GET /contacts/id", "GET /contacts/id", "POST /contacts", "POST /contacts"]


def test_a_known_person_first_seen_saying_yes_is_read_once_per_contact(
    bridge: Bridge,
) -> None:
    engage, calls = bridge.engage, bridge.calls
    engage.seed("member", acceptsEmail=False)  # unsubscribed in Engage: the shop's yes must not undo it
    engage.seed("contact", acceptsEmail=False)

    assert write(bridge, receiveNewsletters=True, firstName="Annie") == "member_updated+newsletter_consent_unchanged"

    # The member is read to judge the yes and compared against the same record for the name: one GET, not two.
    assert engage.requests == [
        "GET /contacts/id",
        "GET /contacts/{id}",
        "GET /contacts/id",
        "GET /contacts/{id}",
        "PATCH /contacts/{id}",  # the name
    ]
    assert engage.contacts["c1"]["preferences"] == {"acceptsEmail": False}
    assert engage.contacts["c2"]["preferences"] == {"acceptsEmail": False}
    assert "UpdateItem consent" in calls.take()  # the "no" Engage holds, kept


def test_a_first_seen_yes_nothing_in_engage_refuses_writes_both_contacts_after_one_read_each(
    bridge: Bridge,
) -> None:
    engage = bridge.engage
    engage.seed("member")
    engage.seed("contact")  # neither says yes or no

    assert write(bridge, receiveNewsletters=True) == "member_updated+newsletter_updated"

    assert engage.requests == [
        "GET /contacts/id",
        "GET /contacts/{id}",  # the member, judged and then written
        "GET /contacts/id",
        "GET /contacts/{id}",  # the newsletter contact, judged and then written
        "PATCH /contacts/{id}",
        "PATCH /contacts/{id}",
    ]
    assert engage.contacts["c1"]["preferences"] == engage.contacts["c2"]["preferences"] == {"acceptsEmail": True}


def test_a_known_member_changed_without_news_of_consent_looks_no_newsletter_contact_up(
    bridge: Bridge,
) -> None:
    engage, calls = bridge.engage, bridge.calls
    write(bridge, receiveNewsletters=True)  # created, both contacts; the flag remembered as on
    calls.take()
    engage.requests.clear()

    assert write(bridge, receiveNewsletters=True, firstName="Annie") == ("member_updated+newsletter_consent_unchanged")

    # The yes is not fresh: nothing about consent is written, so the newsletter contact is not looked up.
    assert calls.take() == ["GetItem consent", "GetItem customer", "UpdateItem effect"]
    assert engage.requests == ["GET /contacts/{id}", "PATCH /contacts/{id}"]


def test_a_known_member_unchanged_is_read_and_not_written(bridge: Bridge) -> None:
    engage, calls = bridge.engage, bridge.calls
    write(bridge)  # no newsletter flag selected: consent unknown
    calls.take()
    engage.requests.clear()

    assert write(bridge, gender="unstated") == "member_unchanged"  # a field Engage gets nothing from

    assert calls.take() == ["GetItem consent", "GetItem customer", "UpdateItem effect"]
    assert engage.requests == ["GET /contacts/{id}"]


def test_a_no_reaches_the_member_and_the_newsletter_contact(bridge: Bridge) -> None:
    engage, calls = bridge.engage, bridge.calls
    write(bridge, receiveNewsletters=True)
    calls.take()
    engage.requests.clear()

    assert write(bridge, receiveNewsletters=False) == "member_updated+newsletter_updated"

    assert calls.take() == [
        "GetItem consent",
        "UpdateItem consent",  # the opt-out and Centra's flag, in one write
        "GetItem customer",
        "GetItem contact",  # the newsletter contact's cached id
        "UpdateItem effect",
    ]
    assert engage.requests == [
        "GET /contacts/{id}",
        "PATCH /contacts/{id}",  # the member's acceptsEmail
        "GET /contacts/{id}",
        "PATCH /contacts/{id}",  # the newsletter contact's
    ]
    assert all(contact["preferences"] == {"acceptsEmail": False} for contact in engage.contacts.values())


def test_a_no_with_changed_fields_is_one_patch_of_the_member(bridge: Bridge) -> None:
    engage, calls = bridge.engage, bridge.calls
    write(bridge, receiveNewsletters=True)
    calls.take()
    engage.requests.clear()

    assert write(bridge, receiveNewsletters=False, firstName="Annie") == "member_updated+newsletter_updated"

    assert engage.requests == [
        "GET /contacts/{id}",
        "PATCH /contacts/{id}",  # the member's name and its acceptsEmail together
        "GET /contacts/{id}",
        "PATCH /contacts/{id}",
    ]
    member = engage.contacts["c1"]
    assert (member["attributes"]["firstName"], member["preferences"]) == ("Annie", {"acceptsEmail": False})
    assert len(calls.take()) == 5  # as for a no alone


def test_a_fresh_yes_of_a_known_member_is_kept_with_its_flag_once_written(bridge: Bridge) -> None:
    engage, calls = bridge.engage, bridge.calls
    write(bridge, receiveNewsletters=False)  # a member, no newsletter contact; the "no" remembered
    calls.take()
    engage.requests.clear()

    assert write(bridge, receiveNewsletters=True, firstName="Annie") == "member_updated+newsletter_created"

    assert engage.requests == ["GET /contacts/{id}", "PATCH /contacts/{id}", "GET /contacts/id", "POST /contacts"]
    assert engage.contacts["c1"]["preferences"] == {"acceptsEmail": True}
    made = calls.take()
    assert made.count("UpdateItem consent") == 1  # the flag turned on and the yes's time, in one write
