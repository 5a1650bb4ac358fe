"""Contact resolution: cache, lookup, then create, with only one creator per e-mail and contact type."""

from collections.abc import Iterator, Mapping
from typing import Any

import boto3
import pytest
from moto import mock_aws

from engage_bridge.contacts import ContactCreationInProgress, ContactDirectory
from engage_bridge.engage.models import ContactCreate
from engage_bridge.state import DynamoStateStore
from tests.aws import create_state_table


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
