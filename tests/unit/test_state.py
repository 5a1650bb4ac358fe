"""The state table store against moto's DynamoDB, with the table the template declares."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engage_bridge.state import (
    CONTACT_CACHE_SECONDS,
    CONTACT_CLAIM_SECONDS,
    LEDGER_VERSIONS,
    DynamoStateStore,
    Effect,
    email_key,
)
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


def test_a_claim_replaces_an_expired_cached_id_and_its_release_leaves_nothing(
    store: DynamoStateStore, dynamodb: Any, clock: Clock
) -> None:
    store.cache_contact_id("anna@example.com", "member", "c1")
    clock.now += CONTACT_CACHE_SECONDS
    assert store.claim_contact_creation("anna@example.com", "member") is True

    store.release_contact_creation("anna@example.com", "member")

    assert contact_row(dynamodb) is None
    assert store.claim_contact_creation("anna@example.com", "member") is True
    store.release_contact_creation("anna@example.com", "member")
    store.release_contact_creation("anna@example.com", "other")  # nothing there: nothing happens


def contact_row(dynamodb: Any, email: str = "anna@example.com", contact_type: str = "member") -> dict[str, Any] | None:
    key = {"pk": {"S": f"contact#{email_key(email)}"}, "sk": {"S": f"type#{contact_type}"}}
    item: dict[str, Any] | None = dynamodb.get_item(TableName="state", Key=key, ConsistentRead=True).get("Item")
    return item


def test_the_message_holding_a_creation_claim_takes_it_again_and_no_other_does(
    store: DynamoStateStore, clock: Clock
) -> None:
    assert store.claim_contact_creation("anna@example.com", "member", "message-a") is True

    assert store.claim_contact_creation("anna@example.com", "member", "message-b") is False
    assert store.claim_contact_creation("anna@example.com", "member") is False  # no owner: only an expired claim
    clock.now += 10
    assert store.claim_contact_creation("anna@example.com", "member", "message-a") is True  # its redelivery
    store.cache_contact_id("anna@example.com", "member", "c1")
    assert store.claim_contact_creation("anna@example.com", "member", "message-a") is False  # the id ends it


def test_a_claim_taken_again_lasts_from_then_and_its_row_expires_with_it(
    store: DynamoStateStore, dynamodb: Any, clock: Clock
) -> None:
    store.claim_contact_creation("anna@example.com", "member", "message-a")
    clock.now += 60
    store.claim_contact_creation("anna@example.com", "member", "message-a")

    row = contact_row(dynamodb)
    assert row is not None
    # The table's TTL must not delete the claim before it ends.
    assert int(row["expiration"]["N"]) == int(clock.now) + CONTACT_CLAIM_SECONDS
    clock.now += CONTACT_CLAIM_SECONDS - 1
    assert store.claim_contact_creation("anna@example.com", "member", "message-b") is False
    clock.now += 1
    assert store.claim_contact_creation("anna@example.com", "member", "message-b") is True


def test_a_claim_is_released_only_by_its_owner(store: DynamoStateStore, clock: Clock) -> None:
    store.claim_contact_creation("anna@example.com", "member", "message-a")
    clock.now += CONTACT_CLAIM_SECONDS  # message-a's create outlived its claim
    assert store.claim_contact_creation("anna@example.com", "member", "message-b") is True

    store.release_contact_creation("anna@example.com", "member", "message-a")  # late: not its claim any more
    store.release_contact_creation("anna@example.com", "member")

    assert store.claim_contact_creation("anna@example.com", "member", "message-c") is False
    store.release_contact_creation("anna@example.com", "member", "message-b")
    assert store.claim_contact_creation("anna@example.com", "member", "message-c") is True


SUBSCRIBER = Effect(f"subscriber#{'f' * 64}", "contact:newsletter")  # the longest contact row key


def _versions(dynamodb: Any, effect: Effect) -> dict[str, Any]:
    key = {"pk": {"S": f"effect#{effect.subject}"}, "sk": {"S": effect.name}}
    versions: dict[str, Any] = dynamodb.get_item(TableName="state", Key=key)["Item"]["versions"]["M"]
    return versions


def test_a_version_is_recorded_with_the_second_it_was_written(
    store: DynamoStateStore, dynamodb: Any, clock: Clock
) -> None:
    store.record(SUBSCRIBER, "sent", "contact_created", version="a" * 20)
    clock.now += 90
    store.record(SUBSCRIBER, "sent", "contact_updated", version="b" * 20)

    assert _versions(dynamodb, SUBSCRIBER) == {"a" * 20: {"N": "1800000000"}, "b" * 20: {"N": "1800000090"}}


def test_the_version_after_the_last_kept_starts_the_map_again(
    store: DynamoStateStore, dynamodb: Any, clock: Clock
) -> None:
    for n in range(LEDGER_VERSIONS):
        store.record(SUBSCRIBER, "sent", "contact_updated", version=f"{n:020x}")
        clock.now += 1
    store.record(SUBSCRIBER, "sent", "contact_updated", version=f"{0:020x}")  # one it keeps: a new time, no reset
    assert len(_versions(dynamodb, SUBSCRIBER)) == LEDGER_VERSIONS
    assert _versions(dynamodb, SUBSCRIBER)[f"{0:020x}"] == {"N": str(int(clock.now))}

    store.record(SUBSCRIBER, "sent", "contact_updated", version=f"{LEDGER_VERSIONS:020x}")
    assert _versions(dynamodb, SUBSCRIBER) == {f"{LEDGER_VERSIONS:020x}": {"N": str(int(clock.now))}}


def test_a_full_row_of_versions_is_one_write_unit(store: DynamoStateStore, dynamodb: Any, clock: Clock) -> None:
    for n in range(LEDGER_VERSIONS):
        store.record(SUBSCRIBER, "sent", "contact_updated_after_a_long_reason", version=f"{n:020x}")
        clock.now += 3_000_000_007  # 11-digit epoch seconds, all of them significant (past the year 2286)
    key = {"pk": {"S": f"effect#{SUBSCRIBER.subject}"}, "sk": {"S": SUBSCRIBER.name}}
    item = dynamodb.get_item(TableName="state", Key=key)["Item"]

    assert len(item["versions"]["M"]) == LEDGER_VERSIONS
    assert sum(len(name) + _value_bytes(value) for name, value in item.items()) < 1024  # 632 bytes


def _value_bytes(value: dict[str, Any]) -> int:
    """DynamoDB's size of an attribute value: a string its UTF-8 bytes, a number about a byte per two significant
    digits and one more, a map three bytes, one per entry and its names and values (DynamoDB developer guide,
    "Item sizes and formats")."""
    ((kind, body),) = value.items()
    if kind == "S":
        return len(body.encode())
    if kind == "N":
        return (len(body.strip("0").replace(".", "")) + 1) // 2 + 1
    return 3 + sum(1 + len(name) + _value_bytes(inner) for name, inner in body.items())
