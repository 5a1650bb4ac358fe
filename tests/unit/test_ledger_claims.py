"""One state record per order effect: its ledger row is also its claim (state.LedgerClaims)."""

from typing import Any
from unittest import mock

import pytest

from engage_bridge.consumer import IDEMPOTENCY_SECONDS
from engage_bridge.state import DynamoStateStore, Effect, LedgerClaims
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
DAY = IDEMPOTENCY_SECONDS  # the window the consumer gives a contact write's claim


def test_a_versioned_row_answers_a_copy_of_a_sent_version_and_takes_another_version(
    claims: LedgerClaims, store: DynamoStateStore
) -> None:
    assert claims.claim(CONTACT, "m1", 60, version="v1", window=DAY) == "claimed"
    assert claims.claim(CONTACT, "m2", 60, version="v1", window=DAY) == "held"  # a copy while the first is writing
    store.record(CONTACT, "sent", "member_created", version="v1")

    assert claims.claim(CONTACT, "m3", 60, version="v1", window=DAY) == "sent"  # a duplicate: answered by the read
    assert claims.claim(CONTACT, "m4", 60, version="v2", window=DAY) == "claimed"  # the customer changed
    store.record(CONTACT, "sent", "member_updated", version="v2")
    assert claims.claim(CONTACT, "m5", 60, version="v1", window=DAY) == "sent"  # an older copy within the window
    entry = store.ledger_entry(CONTACT)
    assert entry is not None and (entry.state, entry.reason) == ("sent", "member_updated")


def test_a_written_version_answers_copies_only_within_the_window(
    claims: LedgerClaims, store: DynamoStateStore, clock: Clock
) -> None:
    claims.claim(CONTACT, "m1", 60, version="v1", window=DAY)
    store.record(CONTACT, "sent", "member_created", version="v1")
    clock.now += DAY - 1
    assert claims.claim(CONTACT, "m2", 60, version="v1", window=DAY) == "sent"

    clock.now += 2  # the Powertools record would have expired: the same content is written again
    assert claims.claim(CONTACT, "m3", 60, version="v1", window=DAY) == "claimed"
    store.record(CONTACT, "sent", "member_updated", version="v1")
    assert claims.claim(CONTACT, "m4", 60, version="v1", window=DAY) == "sent"  # its new time answers copies again


def test_content_changed_back_after_the_window_is_written_again(
    claims: LedgerClaims, store: DynamoStateStore, clock: Clock
) -> None:
    # A -> B -> A weeks apart: the last A must reach Engage, or Engage keeps B for good.
    for message_id, version in (("m1", "A"), ("m2", "B")):
        assert claims.claim(CONTACT, message_id, 60, version=version, window=DAY) == "claimed"
        store.record(CONTACT, "sent", "member_updated", version=version)
        clock.now += 14 * DAY

    assert claims.claim(CONTACT, "m3", 60, version="A", window=DAY) == "claimed"
    store.record(CONTACT, "sent", "member_updated", version="A")
    assert claims.claim(CONTACT, "m4", 60, version="A", window=DAY) == "sent"


@pytest.mark.parametrize("written_ago", [0, 2 * DAY])
def test_a_stale_read_of_a_versioned_row_leaves_the_decision_to_the_write(
    claims: LedgerClaims, store: DynamoStateStore, clock: Clock, written_ago: int
) -> None:
    claims.claim(CONTACT, "m1", 60, version="v1", window=DAY)
    store.record(CONTACT, "sent", "member_created", version="v1")
    clock.now += written_ago
    with mock.patch.object(LedgerClaims, "_look", return_value={}):
        assert claims.claim(CONTACT, "m2", 60, version="v1", window=DAY) == ("sent" if not written_ago else "claimed")


def test_a_row_of_versions_kept_as_a_string_set_has_none_sent_and_gets_a_map(
    claims: LedgerClaims, store: DynamoStateStore, dynamodb: Any, clock: Clock
) -> None:
    # The set form was merged to main before the map: such a row answers no copy, and its next entry replaces it.
    dynamodb.put_item(TableName="state", Item={**_CONTACT_KEY, "state": {"S": "sent"}, "versions": {"SS": ["v1"]}})
    assert claims.claim(CONTACT, "m1", 60, version="v1", window=DAY) == "claimed"
    store.record(CONTACT, "sent", "member_updated", version="v1")

    item = dynamodb.get_item(TableName="state", Key=_CONTACT_KEY)["Item"]
    assert item["versions"] == {"M": {"v1": {"N": str(int(clock.now))}}}
    assert claims.claim(CONTACT, "m2", 60, version="v1", window=DAY) == "sent"
    with mock.patch.object(LedgerClaims, "_look", return_value={}):  # the write's condition reads a set as unsent
        dynamodb.put_item(TableName="state", Item={**_CONTACT_KEY, "versions": {"SS": ["v2"]}})
        assert claims.claim(CONTACT, "m3", 60, version="v2", window=DAY) == "claimed"


def test_a_versioned_claim_needs_its_window(claims: LedgerClaims) -> None:
    with pytest.raises(ValueError, match="window"):
        claims.claim(CONTACT, "m1", 60, version="v1")


def test_a_new_version_costs_a_claim_and_an_entry_and_a_duplicate_no_write(
    dynamodb: Any, store: DynamoStateStore, clock: Clock
) -> None:
    counting = _CountingWrites(dynamodb)
    claims, counted_store = LedgerClaims(counting, "state", clock), DynamoStateStore(counting, "state", clock)
    claims.claim(CONTACT, "m1", 60, version="v1", window=DAY)
    counted_store.record(CONTACT, "sent", "member_created", version="v1")
    claims.claim(CONTACT, "m2", 60, version="v1", window=DAY)
    claims.claim(CONTACT, "m3", 60, version="v2", window=DAY)
    counted_store.record(CONTACT, "sent", "member_updated", version="v2")

    assert counting.writes == 4  # two per version written (the claim starts the map), none for the copy


_CONTACT_KEY = {"pk": {"S": "effect#customer#7"}, "sk": {"S": "contact"}}


def test_a_looked_at_row_answers_sent_held_or_its_unsent_entry_without_a_write(
    dynamodb: Any, store: DynamoStateStore, clock: Clock
) -> None:
    counting = _CountingWrites(dynamodb)
    claims = LedgerClaims(counting, "state", clock)
    receipt = Effect("order#189", "receipt:purchase:shipment:1")

    assert claims.look(receipt, "m1") == ("unsent", None)
    store.record(receipt, "failed", "unanswered")
    answer, entry = claims.look(receipt, "m1")
    assert answer == "unsent" and entry is not None and (entry.state, entry.reason) == ("failed", "unanswered")
    LedgerClaims(dynamodb, "state", clock).claim(receipt, "old-code", 60)  # a claiming copy, e.g. during a deploy
    assert claims.look(receipt, "m1") == ("held", None)
    assert claims.look(receipt, "old-code")[0] == "unsent"  # its own claim, redelivered
    clock.now += 61
    assert claims.look(receipt, "m1")[0] == "unsent"  # the claim expired with its invocation
    store.record(receipt, "sent", "purchase_receipt_accepted")
    assert claims.look(receipt, "m1") == ("sent", None)

    assert counting.writes == 0
