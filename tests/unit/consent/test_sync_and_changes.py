"""The consent consumer (re-read, keep, write or report) and the changes-feed safety net."""

import base64
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from moto import mock_aws

from engage_bridge.config import parse_config
from engage_bridge.consent import DynamoConsentStore
from engage_bridge.consent.changes import read_changes
from engage_bridge.consent.decrypt import PayloadUnreadable, decrypt_payload
from engage_bridge.consent.entry import DynamoFeedMarks
from engage_bridge.consent.messages import PreferenceChange
from engage_bridge.consent.sync import ConsentServices, take_preference_change
from engage_bridge.engage.outcomes import EngageNotFound, EngageUnauthorized, EngageValidationError
from tests.aws import create_state_table

EMAIL = "anna@example.com"
KEY = "0123456789abcdefghijABCDEFGHIJ01"
CONFIG = parse_config(
    {"engage": {"base_url": "https://brand.voyado.com", "api_key_secret": "k"}, "store_external_id": "brand.com",
     "default_language": "sv-SE"}
)  # fmt: skip


class Engage:
    def __init__(self, contacts: dict[str, dict[str, Any]]) -> None:
        self.contacts = contacts
        self.reads: list[str] = []

    def get_contact(self, contact_id: str) -> dict[str, Any]:
        self.reads.append(contact_id)
        if contact_id not in self.contacts:
            raise EngageNotFound("GET", "/api/v3/contacts/{contactId}", 404, "ContactNotFound", "not found")
        return self.contacts[contact_id]


class Centra:
    def __init__(self, customers: list[Any]) -> None:
        self.customers = customers
        self.written: list[tuple[int, bool]] = []

    def customers_by_email(self, email: str) -> list[Any]:
        return self.customers

    def set_receive_newsletters(self, customer_id: int, receive_newsletters: bool) -> None:
        self.written.append((customer_id, receive_newsletters))


@pytest.fixture
def store() -> Iterator[DynamoConsentStore]:
    with mock_aws():
        client = boto3.client("dynamodb")
        create_state_table(client)
        yield DynamoConsentStore(client, "state")


def contact(accepts: bool | None) -> dict[str, Any]:
    preferences = {} if accepts is None else {"acceptsEmail": accepts}
    return {"id": "c1", "attributes": {"email": EMAIL}, "preferences": preferences}


def test_an_opt_out_is_re_read_kept_and_reported_while_the_centra_write_is_off(store: DynamoConsentStore) -> None:
    engage = Engage({"c1": contact(False)})
    change = PreferenceChange(source="webhook", observed_at=1000.0, message_id="m1", contact_id="c1")

    outcome = take_preference_change(ConsentServices(CONFIG, engage, store, None), change)

    assert (outcome.state, outcome.reason) == ("sent", "opt_out_kept_centra_write_off")
    assert engage.reads == ["c1"]
    assert (store.consent(EMAIL).opted_out_at, store.consent(EMAIL).opt_out_source) == (1000.0, "engage_webhook")


def test_with_the_write_on_only_subscribed_centra_customers_are_written(store: DynamoConsentStore) -> None:
    centra = Centra([SimpleNamespace(id=1, newsletter=True), SimpleNamespace(id=4, newsletter=False)])
    change = PreferenceChange(source="changes", observed_at=1000.0, contact_id="c1")

    outcome = take_preference_change(ConsentServices(CONFIG, Engage({"c1": contact(False)}), store, centra), change)

    assert outcome.reason == "opt_out_written_to_centra"
    assert centra.written == [(1, False)]
    assert store.consent(EMAIL).opt_out_source == "engage_changes"


@pytest.mark.parametrize(
    ("contacts", "reason"),
    [({"c1": contact(True)}, "opted_in_in_engage"), ({"c1": contact(None)}, "no_email_preference"),
     ({}, "contact_not_in_engage")],
)  # fmt: skip
def test_nothing_is_kept_unless_engage_now_says_no(
    store: DynamoConsentStore, contacts: dict[str, Any], reason: str
) -> None:
    # The payload said "no"; Engage says otherwise now (a later change, or the contact is gone): Engage wins.
    change = PreferenceChange(source="webhook", observed_at=1000.0, message_id="m1", contact_id="c1")

    outcome = take_preference_change(ConsentServices(CONFIG, Engage(contacts), store, None), change)

    assert (outcome.state, outcome.reason) == ("skipped", reason)
    assert store.consent(EMAIL).opted_out_at is None


def _encrypt(plain: str) -> str:
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    data = padder.update(plain.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(KEY.encode()), modes.CBC(iv)).encryptor()
    return base64.urlsafe_b64encode(iv + encryptor.update(data) + encryptor.finalize()).decode().rstrip("=")


def test_an_encrypted_payload_is_decrypted_for_its_contact_id(store: DynamoConsentStore) -> None:
    token = _encrypt(json.dumps({"ContactId": "c1", "acceptsEmail": False}))
    change = PreferenceChange(source="webhook", observed_at=5.0, message_id="m1", encrypted_payload=token)

    outcome = take_preference_change(
        ConsentServices(CONFIG, Engage({"c1": contact(False)}), store, None, lambda: KEY), change
    )

    assert outcome.state == "sent"
    assert decrypt_payload(token, KEY)["ContactId"] == "c1"


def test_an_encrypted_payload_without_the_key_is_left_to_the_changes_feed(store: DynamoConsentStore) -> None:
    change = PreferenceChange(source="webhook", observed_at=5.0, message_id="m1", encrypted_payload=_encrypt("{}"))

    outcome = take_preference_change(ConsentServices(CONFIG, Engage({}), store, None), change)

    assert (outcome.state, outcome.reason) == ("skipped", "encrypted_payload_unreadable")
    with pytest.raises(PayloadUnreadable):
        decrypt_payload(change.encrypted_payload or "", "k" * 32)


class Feed:
    def __init__(self, *, limit: int = 10**6, fail: Exception | None = None) -> None:
        self.limit, self.fail = limit, fail
        self.windows: list[tuple[datetime, datetime]] = []
        self.changed = {"a": datetime(2026, 12, 6, 12, 5, tzinfo=UTC), "b": datetime(2026, 12, 6, 12, 25, tzinfo=UTC)}

    def changed_contact_ids(self, change_type: str, from_date: datetime, to_date: datetime) -> list[str]:
        self.windows.append((from_date, to_date))
        if self.fail:
            raise self.fail
        ids = [i for i, at in self.changed.items() if from_date <= at <= to_date]
        if len(ids) > self.limit:
            raise EngageValidationError("GET", "/api/v3/contacts/changes", 400, "TooManyResults", issues=())
        return ids


NOW = datetime(2026, 12, 6, 12, 30, tzinfo=UTC)


class Marks:
    def __init__(self) -> None:
        self.queued_at: dict[str, float] = {}

    def mark(self, contact_id: str, now: float, window_seconds: float) -> bool:
        if contact_id in self.queued_at and self.queued_at[contact_id] > now - window_seconds:
            return False
        self.queued_at[contact_id] = now
        return True


def test_the_feed_queues_each_changed_contact_of_the_window() -> None:
    sent: list[PreferenceChange] = []

    assert read_changes(Feed(), Marks(), sent.append, NOW, timedelta(minutes=30)) == 2

    assert [(c.source, c.contact_id) for c in sent] == [("changes", "a"), ("changes", "b")]


def test_a_window_engage_finds_too_large_is_read_in_halves() -> None:
    feed, sent = Feed(limit=1), list[PreferenceChange]()

    read_changes(feed, Marks(), sent.append, NOW, timedelta(minutes=30))

    assert sorted(c.contact_id or "" for c in sent) == ["a", "b"]
    assert len(feed.windows) == 3


def test_a_feed_not_activated_is_counted_and_queues_nothing() -> None:
    feed = Feed(fail=EngageUnauthorized("GET", "/api/v3/contacts/changes", 401, None, "unauthorized"))
    sent: list[PreferenceChange] = []

    assert read_changes(feed, Marks(), sent.append, NOW, timedelta(minutes=30)) == 0
    assert sent == []


def test_overlapping_reads_queue_a_contact_once_per_window() -> None:
    feed, marks, sent = Feed(), Marks(), list[PreferenceChange]()
    window = timedelta(minutes=30)

    counts = [read_changes(feed, marks, sent.append, NOW + timedelta(minutes=m), window) for m in (0, 10)]
    feed.changed["a"] = NOW + timedelta(minutes=31)  # changed again after it was queued
    later = read_changes(feed, marks, sent.append, NOW + timedelta(minutes=40), window)

    assert counts == [2, 0]
    assert later == 1 and sent[-1].contact_id == "a"


def test_a_contact_the_table_marked_within_the_window_costs_a_read_and_no_write(dynamodb: Any) -> None:
    feed, sent, writes = Feed(), list[PreferenceChange](), list[str]()
    marks = DynamoFeedMarks(dynamodb, "state")
    dynamodb.meta.events.register("before-call.dynamodb.PutItem", lambda **_: writes.append("put"))
    window = timedelta(minutes=30)

    counts = [read_changes(feed, marks, sent.append, NOW + timedelta(minutes=m), window) for m in (0, 10)]
    feed.changed["a"] = NOW + timedelta(minutes=31)
    later = read_changes(feed, marks, sent.append, NOW + timedelta(minutes=40), window)

    assert (counts, later) == ([2, 0], 1)  # once per window, then again once the first read aged out
    assert len(writes) == 3  # a, b, then a again: the second read's listings were answered by reads


def test_a_warm_container_answers_the_contacts_it_marked_within_the_window_without_a_read(dynamodb: Any) -> None:
    feed, sent, calls = Feed(), list[PreferenceChange](), list[str]()
    dynamodb.meta.events.register("before-call.dynamodb.*", lambda model, **_: calls.append(model.name))
    window = timedelta(minutes=30)
    warm = DynamoFeedMarks(dynamodb, "state")

    read_changes(feed, warm, sent.append, NOW, window)  # a and b: read, then marked
    first = list(calls)
    calls.clear()
    read_changes(feed, warm, sent.append, NOW + timedelta(minutes=10), window)  # the same container, next run
    warm_run = list(calls)
    calls.clear()
    cold = read_changes(feed, DynamoFeedMarks(dynamodb, "state"), sent.append, NOW + timedelta(minutes=20), window)
    feed.changed["a"] = NOW + timedelta(minutes=31)
    later = read_changes(feed, warm, sent.append, NOW + timedelta(minutes=40), window)

    assert first == ["GetItem", "PutItem", "GetItem", "PutItem"]
    assert warm_run == []  # both were marked by this container within the window: nothing to ask the table
    assert calls[:2] == ["GetItem", "GetItem"] and cold == 0  # a new container reads, and the table still answers
    assert later == 1 and sent[-1].contact_id == "a"  # aged out of the window: listed again, queued again
