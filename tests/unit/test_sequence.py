"""Lifecycle order per order, decided from the ledger: what each e-mail and receipt waits for."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engage_bridge.errors import PredecessorPending
from engage_bridge.messages import OrderEmail, ReceiptPush, ResendRequest
from engage_bridge.sequence import ensure_predecessor_settled, predecessors
from engage_bridge.state import Effect, EffectState, LedgerEntry
from tests.unit.mapping.builders import order

ORDER = order()  # order 500: shipment 11 shipped, return 9 takes goods from shipment 11
SUBJECT = "order#500"
CREATED = Effect(SUBJECT, "email:created:success")
SHIPPED_EMAIL = Effect(SUBJECT, "email:shipped:shipment:11")
PURCHASE_RECEIPT = Effect(SUBJECT, "receipt:purchase:shipment:11")


class Ledger:
    """The ledger's rows; ``lagging`` ones an eventually consistent read does not see yet (just written)."""

    def __init__(self, **rows: tuple[EffectState, str]) -> None:
        self.rows = {Effect(SUBJECT, name.replace("__", ":")): row for name, row in rows.items()}
        self.lagging: set[Effect] = set()
        self.reads: list[tuple[Effect, bool]] = []

    def add(self, effect: Effect, state: EffectState = "sent", reason: str = "order_created") -> "Ledger":
        self.rows[effect] = (state, reason)
        return self

    def __call__(self, effect: Effect, /, *, consistent: bool = True) -> LedgerEntry | None:
        self.reads.append((effect, consistent))
        row = self.rows.get(effect) if consistent or effect not in self.lagging else None
        return None if row is None else LedgerEntry(effect, row[0], row[1], "2026-12-06T12:00:00+00:00")


def shipped() -> OrderEmail:
    return OrderEmail(order=ORDER, status="shipped", shipment_id=11)


def returned() -> OrderEmail:
    return OrderEmail(order=ORDER, status="returned", return_id=9)


def return_receipt() -> ReceiptPush:
    return ReceiptPush(order=ORDER, kind="return", return_id=9)


def test_the_confirmation_and_the_purchase_receipt_follow_nothing() -> None:
    assert predecessors(OrderEmail(order=ORDER, status="created")) == ()
    assert predecessors(OrderEmail(order=ORDER, status="cancelled")) == ()
    assert predecessors(ReceiptPush(order=ORDER, kind="purchase", shipment_id=11)) == ()


def test_a_shipping_e_mail_waits_for_the_confirmation() -> None:
    with pytest.raises(PredecessorPending) as pending:
        ensure_predecessor_settled(shipped(), Ledger())

    assert pending.value.effect == shipped().ledger_effect
    assert CREATED in pending.value.waiting_for


@pytest.mark.parametrize("payment_state", ["success", "pending", "failed"])
def test_any_confirmation_settles_the_shipping_e_mail(payment_state: str) -> None:
    ensure_predecessor_settled(shipped(), Ledger().add(Effect(SUBJECT, f"email:created:{payment_state}")))


def test_a_predecessor_seen_settled_by_an_eventually_consistent_read_is_not_read_again() -> None:
    ledger = Ledger().add(CREATED)

    ensure_predecessor_settled(shipped(), ledger)

    assert ledger.reads == [(CREATED, False)]  # half a read unit; settled is final, so it cannot be stale


def test_a_predecessor_the_eventual_read_does_not_see_yet_is_read_strongly_before_waiting() -> None:
    ledger = Ledger().add(CREATED)
    ledger.lagging.add(CREATED)  # recorded a moment ago: not replicated to the replica that answered

    ensure_predecessor_settled(shipped(), ledger)

    assert ledger.reads[-1] == (CREATED, True)


def test_a_predecessor_not_settled_is_read_strongly_before_the_message_waits() -> None:
    ledger = Ledger()

    with pytest.raises(PredecessorPending):
        ensure_predecessor_settled(returned(), ledger)

    assert ledger.reads == [(SHIPPED_EMAIL, False), (SHIPPED_EMAIL, True)]


def test_a_return_e_mail_waits_for_the_e_mail_of_the_shipment_it_returns_from() -> None:
    ledger = Ledger().add(CREATED)
    with pytest.raises(PredecessorPending) as pending:
        ensure_predecessor_settled(returned(), ledger)
    assert pending.value.waiting_for == (SHIPPED_EMAIL,)

    ensure_predecessor_settled(returned(), ledger.add(SHIPPED_EMAIL, reason="order_shipped"))


def test_a_return_receipt_waits_for_the_purchase_receipt_it_refunds() -> None:
    with pytest.raises(PredecessorPending) as pending:
        ensure_predecessor_settled(return_receipt(), Ledger().add(CREATED).add(SHIPPED_EMAIL))
    assert pending.value.waiting_for == (PURCHASE_RECEIPT,)

    ensure_predecessor_settled(return_receipt(), Ledger().add(PURCHASE_RECEIPT, reason="purchase_receipt_accepted"))


def test_a_backfilled_confirmation_settles_a_live_shipping_e_mail() -> None:
    ensure_predecessor_settled(shipped(), Ledger().add(CREATED, "skipped", "historical"))


def test_a_predecessor_refused_for_good_does_not_hold_its_successor_forever() -> None:
    ensure_predecessor_settled(shipped(), Ledger().add(CREATED, "failed", "engage_validation"))


def test_a_skip_that_is_not_historical_does_not_settle() -> None:
    with pytest.raises(PredecessorPending):
        ensure_predecessor_settled(shipped(), Ledger().add(CREATED, "skipped", "transactional_emails_off"))


def test_an_operators_resend_does_not_wait() -> None:
    resend = ResendRequest(request_id="r1", requested_by="ops", reason="customer asked", force=False)
    ensure_predecessor_settled(shipped().model_copy(update={"resend": resend}), Ledger())


def test_a_return_whose_shipment_cannot_be_found_is_left_to_its_mapping_error() -> None:
    document_order = order()
    broken = document_order.model_copy(
        update={"returns": [r.model_copy(update={"lines": []}) for r in document_order.returns]}
    )
    assert predecessors(OrderEmail(order=broken, status="returned", return_id=9)) == ()


@given(st.permutations(["created", "shipped", "returned"]))
def test_whatever_order_the_e_mails_arrive_in_engage_receives_them_in_lifecycle_order(arrival: list[str]) -> None:
    """Redeliver whatever must wait, as the queue does, until all went out; record what Engage received."""
    messages = {"created": OrderEmail(order=ORDER, status="created"), "shipped": shipped(), "returned": returned()}
    ledger, received, queue = Ledger(), [], list(arrival)
    while queue:
        name = queue.pop(0)
        try:
            ensure_predecessor_settled(messages[name], ledger)
        except PredecessorPending:
            queue.append(name)  # hidden for its retry interval, then delivered again
            continue
        received.append(name)
        ledger.add(messages[name].ledger_effect)

    assert received == ["created", "shipped", "returned"]
