"""The consent rules (docs/mapping.md, "Consent"): a yes only for a fresh opt-in newer than the last opt-out."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engage_bridge.backfill.pages import pending_contacts
from engage_bridge.consent import ConsentRecord, Signal, decide
from engage_bridge.messages import ContactUpsert
from tests.unit.mapping.builders import config, customer

NOW = 1_800_000_000.0
OPTED_OUT = ConsentRecord(opted_out_at=NOW - 3600, opt_out_source="engage")


@pytest.mark.parametrize("kind", ["subscription", "customer"])
def test_a_no_from_centra_always_goes_through(kind: str) -> None:
    for record in (ConsentRecord(), OPTED_OUT, ConsentRecord(customer_flag=True, subscription_active=True)):
        assert decide(Signal(kind, False, NOW), record).verdict == "opt_out"  # type: ignore[arg-type]


def test_a_flag_left_on_is_no_opt_in_whatever_else_changed() -> None:
    # A name change, an order or a replay carries the flag the bridge already saw.
    decision = decide(Signal("customer", True, NOW), ConsentRecord(customer_flag=True))

    assert (decision.verdict, decision.accepts_email) == ("leave", None)


def test_a_stale_flag_after_an_engage_opt_out_writes_nothing() -> None:
    stale = ConsentRecord(opted_out_at=NOW - 60, opt_out_source="engage", customer_flag=True)

    assert decide(Signal("customer", True, NOW), stale).accepts_email is None


def test_a_first_seen_flag_after_a_known_opt_out_writes_nothing() -> None:
    # The bridge never saw the flag off, so it cannot tell it turned on after the opt-out.
    assert decide(Signal("customer", True, NOW), OPTED_OUT).verdict == "leave"


def test_a_flag_turning_on_after_the_opt_out_is_a_fresh_opt_in() -> None:
    record = ConsentRecord(opted_out_at=NOW - 3600, opt_out_source="centra", customer_flag=False)

    decision = decide(Signal("customer", True, NOW), record)

    assert (decision.verdict, decision.reason) == ("opt_in", "newsletter_flag_turned_on")


def test_a_flag_turning_on_before_a_newer_opt_out_is_refused() -> None:
    record = ConsentRecord(opted_out_at=NOW + 5, opt_out_source="engage", customer_flag=False)

    assert decide(Signal("customer", True, NOW), record).verdict == "leave"


def test_a_subscription_made_active_again_is_a_fresh_opt_in() -> None:
    record = ConsentRecord(opted_out_at=NOW - 10, opt_out_source="centra", subscription_active=False)

    assert decide(Signal("subscription", True, NOW), record).reason == "subscription_reactivated"


def test_a_subscription_created_after_the_opt_out_is_a_fresh_opt_in_and_an_older_one_is_not() -> None:
    newer = decide(Signal("subscription", True, NOW, created_at=NOW - 60), OPTED_OUT)
    replayed = decide(Signal("subscription", True, NOW, created_at=NOW - 7200), OPTED_OUT)

    assert (newer.verdict, replayed.verdict) == ("opt_in", "leave")


def test_a_first_seen_yes_with_no_opt_out_known_must_be_checked_in_engage() -> None:
    decision = decide(Signal("customer", True, NOW), ConsentRecord())

    assert decision.verdict == "first_opt_in"


def test_an_unknown_flag_writes_nothing() -> None:
    assert decide(Signal("customer", None, NOW), OPTED_OUT).accepts_email is None


records = st.builds(
    ConsentRecord,
    opted_out_at=st.none() | st.floats(NOW - 10**7, NOW + 10**3),
    opt_out_source=st.sampled_from([None, "centra", "engage"]),
    subscription_active=st.none() | st.booleans(),
    customer_flag=st.none() | st.booleans(),
)
signals = st.builds(
    Signal,
    kind=st.sampled_from(["subscription", "customer"]),
    subscribed=st.none() | st.booleans(),
    at=st.just(NOW),
    created_at=st.none() | st.floats(NOW - 10**7, NOW),
)


@given(signal=signals, record=records)
def test_a_yes_is_never_written_unless_fresh_and_newer_than_the_last_opt_out(
    signal: Signal, record: ConsentRecord
) -> None:
    decision = decide(signal, record)
    previous = record.subscription_active if signal.kind == "subscription" else record.customer_flag
    if decision.verdict == "opt_in":
        assert signal.subscribed is True and previous is not True
        dated = signal.at if previous is False else signal.created_at
        assert record.opted_out_at is None or (dated is not None and dated > record.opted_out_at)
    if decision.verdict == "first_opt_in":
        assert record.opted_out_at is None and previous is None
    if signal.subscribed is False:
        assert decision.accepts_email is False


@pytest.mark.parametrize(("newsletter", "patched"), [(True, {}), (False, {"preferences": {"acceptsEmail": False}})])
def test_a_backfill_replay_never_patches_a_yes_over_an_existing_contact(
    newsletter: bool, patched: dict[str, object]
) -> None:
    upsert = ContactUpsert(kind="customer", customer=customer(newsletter=newsletter), historical=True)

    *_, subscriber = pending_contacts(upsert, config())

    assert {k: v for k, v in subscriber.update.items() if k != "email"} == patched
    assert subscriber.create["preferences"] == {"acceptsEmail": newsletter}  # a contact created here carries it
