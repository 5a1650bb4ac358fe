"""Opt-outs in the state table (by address fingerprint) and the gate that applies the rules to one address."""

from typing import Any

import pytest

from engage_bridge.consent import ConsentGate, DynamoConsentStore, Signal, accepts_email
from engage_bridge.consent.rules import ConsentRecord
from engage_bridge.state import email_key
from tests.aws import Clock

EMAIL = "Anna@Example.com"


@pytest.fixture
def store(dynamodb: Any, clock: Clock) -> DynamoConsentStore:
    return DynamoConsentStore(dynamodb, "state", clock)


def test_an_opt_out_is_kept_under_the_address_fingerprint_without_the_address(
    store: DynamoConsentStore, dynamodb: Any
) -> None:
    assert store.record_opt_out(EMAIL, 100.0, "engage")

    (item,) = dynamodb.scan(TableName="state")["Items"]
    assert item["pk"]["S"].startswith("consent#")
    assert "anna" not in str(item).casefold()
    assert store.consent("anna@example.com ").opted_out_at == 100.0


def test_an_older_opt_out_never_replaces_a_newer_one(store: DynamoConsentStore) -> None:
    store.record_opt_out(EMAIL, 200.0, "engage")

    assert not store.record_opt_out(EMAIL, 100.0, "centra")
    record = store.consent(EMAIL)
    assert (record.opted_out_at, record.opt_out_source) == (200.0, "engage")


def test_the_gate_remembers_centra_only_once_settled_so_a_failed_write_is_retried_as_fresh(
    store: DynamoConsentStore, clock: Clock
) -> None:
    gate = ConsentGate(store)
    signal = Signal("customer", True, clock.now)

    assert gate.judge(EMAIL, signal).verdict == "first_opt_in"
    assert gate.judge(EMAIL, signal).verdict == "first_opt_in"  # the write failed: the retry judges the same
    gate.settle(EMAIL, signal)
    assert gate.judge(EMAIL, signal).verdict == "leave"  # a later unrelated change carrying the same flag


def test_a_no_in_engage_holds_a_first_seen_yes_and_becomes_a_known_opt_out(
    store: DynamoConsentStore, clock: Clock
) -> None:
    gate = ConsentGate(store)
    member = {"id": "m1", "attributes": {"email": EMAIL}, "preferences": {"acceptsEmail": False}}

    decision = gate.confirm_first_opt_in(EMAIL, [member])

    assert (decision.verdict, decision.accepts_email) == ("leave", None)
    assert store.consent(EMAIL).opted_out_at == clock.now
    assert store.consent(EMAIL).opt_out_source == "engage_contact"


def test_a_first_seen_yes_stands_where_engage_has_no_no(store: DynamoConsentStore) -> None:
    gate = ConsentGate(store)

    assert gate.confirm_first_opt_in(EMAIL, [{"preferences": {"acceptsEmail": True}}, {"id": "x"}]).accepts_email


@pytest.mark.parametrize(
    ("contact", "expected"),
    [
        ({"preferences": {"acceptsEmail": False}}, False),
        ({"preferences": {"AcceptsEmails": True}}, True),
        ({"acceptsEmail": False}, False),
        ({"attributes": {"acceptsemail": True}}, True),
        ({"preferences": {}}, None),
        ({"preferences": {"acceptsEmail": "false"}}, None),
    ],
)
def test_accepts_email_is_read_wherever_engage_puts_it(contact: dict[str, Any], expected: bool | None) -> None:
    assert accepts_email(contact) is expected


class _Writes:
    """The moto client with its update calls counted (each one billed, refused or not)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.exceptions = client.exceptions
        self.updates = 0

    def __getattr__(self, name: str) -> Any:
        self.updates += name == "update_item"
        return getattr(self._client, name)


def test_a_flag_already_remembered_and_an_opt_out_already_kept_are_not_written_again(
    dynamodb: Any, clock: Clock
) -> None:
    writes = _Writes(dynamodb)
    store = DynamoConsentStore(writes, "state", clock)
    opt_out = Signal("customer", False, clock.now)
    first = ConsentGate(store)
    first.judge(EMAIL, opt_out)  # kept, and Centra's flag remembered in the same write
    first.settle(EMAIL, opt_out)
    written_first = writes.updates

    again = ConsentGate(store)  # the same change, delivered again (or a later one carrying the same flag)
    decision = again.judge(EMAIL, opt_out)
    again.settle(EMAIL, opt_out)

    assert written_first == 1 and writes.updates == written_first
    assert decision.accepts_email is False  # still written to Engage as a no: only the state table write is saved
    record = store.consent(EMAIL)
    assert (record.opted_out_at, record.customer_flag) == (clock.now, False)


def test_a_flag_that_changed_is_remembered(store: DynamoConsentStore, clock: Clock) -> None:
    gate = ConsentGate(store)
    gate.judge(EMAIL, Signal("subscription", False, clock.now))
    gate.settle(EMAIL, Signal("subscription", False, clock.now))

    later = ConsentGate(store)
    later.judge(EMAIL, Signal("subscription", True, clock.now + 10))
    later.settle(EMAIL, Signal("subscription", True, clock.now + 10))

    assert store.consent(EMAIL).subscription_active is True


class _Overtaken(DynamoConsentStore):
    """A store whose every read is overtaken by a newer opt-out from Engage before the gate writes."""

    def consent(self, email: str) -> ConsentRecord:
        record = super().consent(email)
        super().record_opt_out(email, self.now() + 5, "engage_webhook")
        return record


def test_an_opt_out_kept_meanwhile_leaves_the_flag_to_settle(dynamodb: Any, clock: Clock) -> None:
    # The gate's opt-out write is refused (a newer one is kept), and with it the flag it carried: settling writes it.
    store = _Overtaken(dynamodb, "state", clock)
    gate = ConsentGate(store)
    opt_out = Signal("customer", False, clock.now)

    assert gate.judge(EMAIL, opt_out).accepts_email is False
    gate.settle(EMAIL, opt_out)

    record = DynamoConsentStore(dynamodb, "state", clock).consent(EMAIL)
    assert (record.opted_out_at, record.opt_out_source, record.customer_flag) == (
        clock.now + 5,
        "engage_webhook",
        False,
    )


def test_a_yes_written_is_kept_with_the_flag_in_one_write(dynamodb: Any, clock: Clock) -> None:
    writes = _Writes(dynamodb)
    store = DynamoConsentStore(writes, "state", clock)
    gate = ConsentGate(store)
    signal = Signal("customer", True, clock.now)
    gate.judge(EMAIL, signal)
    gate.written_opt_in(EMAIL)  # the member and the newsletter contact both took the yes
    gate.written_opt_in(EMAIL.lower())

    gate.settle(EMAIL, signal)

    assert writes.updates == 1
    item = dynamodb.get_item(TableName="state", Key={"pk": {"S": f"consent#{email_key(EMAIL)}"}, "sk": {"S": "email"}})
    assert item["Item"]["opted_in_at"]["N"] == repr(clock.now)
    assert item["Item"]["customer_flag"]["BOOL"] is True
