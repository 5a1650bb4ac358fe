"""One state record per order effect: its ledger row is also its claim (state.LedgerClaims)."""

from typing import Any
from unittest import mock

import pytest

from engage_bridge.state import LEDGER_VERSIONS, DynamoStateStore, Effect, LedgerClaims
from tests.aws import Clock

SHIPPED = Effect("order#2348955", "email:shipped:shipment:2348955-1")


@pytest.fixture
def claims(dynamodb: Any, clock: Clock) -> LedgerClaims:
    return LedgerClaims(dynamodb, "state", clock)


@pytest.fixture
def store(dynamodb: Any, clock: Clock) -> DynamoStateStore:
    return DynamoStateStore(dynamodb, "state", clock)


def test_one_message_claims_an_effect_and_another_waits(claims: LedgerClaims) -> None:
    assert claims.claim(SHIPPED, "m1", 60) == "claimed"
    assert claims.claim(SHIPPED, "m2", 60) == "held"
    assert claims.claim(SHIPPED, "m1", 60) == "claimed"  # the same message, redelivered after a crash


def test_a_claimed_row_is_not_a_ledger_entry_until_the_effect_records_it(
    claims: LedgerClaims, store: DynamoStateStore
) -> None:
    claims.claim(SHIPPED, "m1", 60)
    assert store.ledger_entry(SHIPPED) is None
    assert store.ledger_entries([SHIPPED]) == {}
    assert store.ledger_rows(SHIPPED.subject) == []

    store.record(SHIPPED, "sent", "order_shipped")  # replaces the claim

    entry = store.ledger_entry(SHIPPED)
    assert entry is not None and (entry.state, entry.reason) == ("sent", "order_shipped")


def test_a_sent_effect_answers_every_later_claim_as_sent(claims: LedgerClaims, store: DynamoStateStore) -> None:
    claims.claim(SHIPPED, "m1", 60)
    store.record(SHIPPED, "sent", "order_shipped")

    assert claims.claim(SHIPPED, "m2", 60) == "sent"
    assert claims.claim(SHIPPED, "m1", 60) == "sent"  # the sender itself, delivered again


def test_a_claim_expires_with_the_invocation_that_took_it(claims: LedgerClaims, clock: Clock) -> None:
    claims.claim(SHIPPED, "m1", 60)
    clock.now += 61

    assert claims.claim(SHIPPED, "m2", 60) == "claimed"


def test_a_released_claim_leaves_nothing_behind_or_the_earlier_entry_as_it_was(
    claims: LedgerClaims, store: DynamoStateStore, dynamodb: Any
) -> None:
    claims.claim(SHIPPED, "m1", 60)
    claims.release(SHIPPED, "m1")
    key = {"pk": {"S": f"effect#{SHIPPED.subject}"}, "sk": {"S": SHIPPED.name}}
    assert "Item" not in dynamodb.get_item(TableName="state", Key=key)

    store.record(SHIPPED, "failed", "unanswered")
    claims.claim(SHIPPED, "m2", 60)  # a failed effect may be tried again
    claims.release(SHIPPED, "m2")
    entry = store.ledger_entry(SHIPPED)
    assert entry is not None and (entry.state, entry.reason) == ("failed", "unanswered")
    assert claims.claim(SHIPPED, "m3", 60) == "claimed"


def test_a_release_by_a_message_that_lost_its_claim_changes_nothing(claims: LedgerClaims, clock: Clock) -> None:
    claims.claim(SHIPPED, "m1", 60)
    clock.now += 61
    claims.claim(SHIPPED, "m2", 60)

    claims.release(SHIPPED, "m1")

    assert claims.claim(SHIPPED, "m3", 60) == "held"


class _CountingWrites:
    """The moto client, with its write calls counted (each is billed, refused or not)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.exceptions = client.exceptions
        self.writes = 0

    def __getattr__(self, name: str) -> Any:
        if name in {"put_item", "update_item", "delete_item"}:
            self.writes += 1
        return getattr(self._client, name)


def test_a_duplicate_or_a_waiting_copy_is_answered_by_a_read_without_a_write(
    dynamodb: Any, store: DynamoStateStore, clock: Clock
) -> None:
    counting = _CountingWrites(dynamodb)
    claims = LedgerClaims(counting, "state", clock)
    claims.claim(SHIPPED, "m1", 60)
    held = claims.claim(SHIPPED, "m2", 60)  # the claimant is still sending
    store.record(SHIPPED, "sent", "order_shipped")
    duplicate = claims.claim(SHIPPED, "m3", 60)  # routed again while the first copy was queued

    assert (held, duplicate) == ("held", "sent")
    assert counting.writes == 1  # only the first claim wrote


def test_a_stale_read_leaves_the_decision_to_the_conditional_write(claims: LedgerClaims, clock: Clock) -> None:
    # An eventually consistent read may miss a claim taken a moment ago: the write's condition still refuses.
    claims.claim(SHIPPED, "m1", 60)
    with mock.patch.object(LedgerClaims, "_look", return_value={}):
        assert claims.claim(SHIPPED, "m2", 60) == "held"


CONTACT = Effect("customer#7", "contact")


def test_a_versioned_row_answers_a_copy_of_a_sent_version_and_takes_another_version(
    claims: LedgerClaims, store: DynamoStateStore
) -> None:
    assert claims.claim(CONTACT, "m1", 60, version="v1") == "claimed"
    assert claims.claim(CONTACT, "m2", 60, version="v1") == "held"  # a copy while the first is writing
    store.record(CONTACT, "sent", "member_created", version="v1")

    assert claims.claim(CONTACT, "m3", 60, version="v1") == "sent"  # a duplicate: answered by the read alone
    assert claims.claim(CONTACT, "m4", 60, version="v2") == "claimed"  # the customer changed: a write of its own
    store.record(CONTACT, "sent", "member_updated", version="v2")
    assert claims.claim(CONTACT, "m5", 60, version="v1") == "sent"  # an older copy still finds its version
    entry = store.ledger_entry(CONTACT)
    assert entry is not None and (entry.state, entry.reason) == ("sent", "member_updated")


def test_a_stale_read_of_a_versioned_row_leaves_the_decision_to_the_write(
    claims: LedgerClaims, store: DynamoStateStore
) -> None:
    claims.claim(CONTACT, "m1", 60, version="v1")
    store.record(CONTACT, "sent", "member_created", version="v1")
    with mock.patch.object(LedgerClaims, "_look", return_value={}):
        assert claims.claim(CONTACT, "m2", 60, version="v1") == "sent"
        assert claims.claim(CONTACT, "m2", 60, version="v2") == "claimed"


def test_a_row_keeps_its_last_versions_and_stays_small(store: DynamoStateStore, dynamodb: Any) -> None:
    for n in range(LEDGER_VERSIONS + 3):
        store.record(CONTACT, "sent", "member_updated", version=f"v{n}")

    item = dynamodb.get_item(TableName="state", Key={"pk": {"S": "effect#customer#7"}, "sk": {"S": "contact"}})["Item"]
    assert len(item["versions"]["SS"]) <= LEDGER_VERSIONS
    assert f"v{LEDGER_VERSIONS + 2}" in item["versions"]["SS"]
    assert "claim_id" not in item


def test_a_new_version_costs_a_claim_and_an_entry_and_a_duplicate_no_write(
    dynamodb: Any, store: DynamoStateStore, clock: Clock
) -> None:
    counting = _CountingWrites(dynamodb)
    claims, counted_store = LedgerClaims(counting, "state", clock), DynamoStateStore(counting, "state", clock)
    claims.claim(CONTACT, "m1", 60, version="v1")
    counted_store.record(CONTACT, "sent", "member_created", version="v1")
    claims.claim(CONTACT, "m2", 60, version="v1")

    assert counting.writes == 2
