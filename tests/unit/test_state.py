"""The state table store against moto's DynamoDB, with the table the template declares."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engage_bridge.state import CONTACT_CACHE_SECONDS, CONTACT_CLAIM_SECONDS, DynamoStateStore, Effect
from tests.aws import Clock

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(dynamodb: Any, clock: Clock) -> DynamoStateStore:
    return DynamoStateStore(dynamodb, "state", clock)


SHIPPED = Effect("order#2348955", "email#ORDER_SHIPPED#shipment:2348955-1")


def test_an_unrecorded_effect_has_no_entry(store: DynamoStateStore) -> None:
    assert store.ledger_entry(SHIPPED) is None


def test_a_recorded_effect_keeps_state_and_reason(store: DynamoStateStore) -> None:
    store.record(SHIPPED, "skipped", "restricted_market")

    entry = store.ledger_entry(SHIPPED)

    assert entry is not None
    assert (entry.state, entry.reason) == ("skipped", "restricted_market")


def test_sent_is_final(store: DynamoStateStore) -> None:
    store.record(SHIPPED, "sent", "order_shipped")
    store.record(SHIPPED, "failed", "engage_validation")

    entry = store.ledger_entry(SHIPPED)

    assert entry is not None
    assert entry.state == "sent"


def test_failed_can_become_sent(store: DynamoStateStore) -> None:
    store.record(SHIPPED, "failed", "engage_validation")
    store.record(SHIPPED, "sent", "order_shipped")

    entry = store.ledger_entry(SHIPPED)

    assert entry is not None
    assert entry.state == "sent"


def test_contact_ids_are_cached_per_type_and_case_insensitive(store: DynamoStateStore) -> None:
    store.cache_contact_id("Anna@Example.com", "member", "c-1")

    assert store.cached_contact_id("anna@example.com ", "member") == "c-1"
    assert store.cached_contact_id("anna@example.com", "contact") is None


def test_cached_contact_ids_expire(store: DynamoStateStore, clock: Clock) -> None:
    store.cache_contact_id("anna@example.com", "member", "c-1")
    clock.now += CONTACT_CACHE_SECONDS + 1

    assert store.cached_contact_id("anna@example.com", "member") is None


def test_forgotten_contact_ids_are_gone(store: DynamoStateStore) -> None:
    store.cache_contact_id("anna@example.com", "member", "c-1")
    store.forget_contact_id("anna@example.com", "member")

    assert store.cached_contact_id("anna@example.com", "member") is None


def test_the_table_never_holds_an_email_address(store: DynamoStateStore, dynamodb: Any) -> None:
    store.cache_contact_id("anna@example.com", "member", "c-1")

    items = dynamodb.scan(TableName="state")["Items"]

    assert "anna@example.com" not in repr(items)


def test_a_first_stock_level_is_a_change(store: DynamoStateStore) -> None:
    assert store.compare_stock("SKU-1", "4", 3, T0) == "changed"


def test_stock_levels_compare_with_the_last_one_committed(store: DynamoStateStore) -> None:
    store.commit_stock("SKU-1", "4", 3, T0)

    assert store.compare_stock("SKU-1", "4", 3, T0 + timedelta(seconds=1)) == "unchanged"
    assert store.compare_stock("SKU-1", "4", 5, T0 + timedelta(seconds=1)) == "changed"
    assert store.compare_stock("SKU-1", "4", 9, T0 - timedelta(seconds=1)) == "stale"
    assert store.compare_stock("SKU-1", "4", 9, T0) == "stale"
    assert store.compare_stock("SKU-1", "5", 3, T0) == "changed"


def test_an_older_commit_never_overwrites_a_newer_one(store: DynamoStateStore) -> None:
    store.commit_stock("SKU-1", "4", 7, T0 + timedelta(seconds=10))
    store.commit_stock("SKU-1", "4", 0, T0)

    assert store.compare_stock("SKU-1", "4", 7, T0 + timedelta(seconds=11)) == "unchanged"


def test_one_invocation_at_a_time_may_create_a_contact(store: DynamoStateStore) -> None:
    assert store.claim_contact_creation("Anna@Example.com", "member") is True
    assert store.claim_contact_creation("anna@example.com", "member") is False  # same e-mail, any case
    assert store.claim_contact_creation("anna@example.com", "contact") is True  # another type is another contact


def test_a_claim_left_by_a_crashed_invocation_expires(store: DynamoStateStore, clock: Clock) -> None:
    store.claim_contact_creation("anna@example.com", "member")
    clock.now += CONTACT_CLAIM_SECONDS

    assert store.claim_contact_creation("anna@example.com", "member") is True


def test_the_creation_claim_is_the_cache_row_and_refused_once_the_id_is_cached(
    store: DynamoStateStore, clock: Clock
) -> None:
    assert store.claim_contact_creation("anna@example.com", "member") is True
    assert store.cached_contact_id("anna@example.com", "member") is None  # a claim is not a cached id

    store.cache_contact_id("anna@example.com", "member", "c1")  # the creator finished: the claim ends with it

    assert store.claim_contact_creation("anna@example.com", "member") is False  # no second creator
    clock.now += CONTACT_CACHE_SECONDS
    assert store.claim_contact_creation("anna@example.com", "member") is True  # an expired id is looked up again


def test_a_released_claim_leaves_an_expired_cached_id_as_it_was(store: DynamoStateStore, clock: Clock) -> None:
    store.cache_contact_id("anna@example.com", "member", "c1")
    clock.now += CONTACT_CACHE_SECONDS
    store.claim_contact_creation("anna@example.com", "member")

    store.release_contact_creation("anna@example.com", "member")

    assert store.claim_contact_creation("anna@example.com", "member") is True
    store.release_contact_creation("anna@example.com", "member")
    store.release_contact_creation("anna@example.com", "other")  # nothing there: nothing happens
