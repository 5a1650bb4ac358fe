"""The same order seen again: twice, out of order, through its lifecycle — each effect is routed once."""

from hypothesis import given, settings
from hypothesis import strategies as st

from engage_bridge.centra import Order
from engage_bridge.config import BrandConfig
from engage_bridge.mapping import payment_state
from engage_bridge.messages import OrderEmail, PromotionRedemption
from engage_bridge.routing import route_order
from tests.unit.mapping.builders import config
from tests.unit.routing.states import PROMOTION, FakeLedger, labels, order_state


def _route_all(states: list[Order], cfg: BrandConfig, *, historical: bool = False) -> list[str]:
    """Route each state in turn, the handlers recording what was routed; every label routed, in routing order."""
    ledger = FakeLedger()
    routed: list[str] = []
    for state in states:
        decision = route_order(state, cfg, ledger, historical=historical)
        routed += labels(decision)
        ledger.record(decision)
    return routed


def test_pending_then_succeeded_payment_mails_each_payment_state_once() -> None:
    ledger = FakeLedger()
    first = route_order(order_state(payments=["PENDING"]), config(), ledger)
    ledger.record(first)

    second = route_order(order_state(payments=["PENDING", "SUCCESS"]), config(), ledger)

    assert labels(first) == ["contact:customer", "email:created:pending"]
    assert labels(second) == ["email:created:success"]
    assert second.skip_reasons == ["already_sent"]  # the contact, written at the first transaction


def test_a_duplicate_event_routes_nothing_the_second_time() -> None:
    state = order_state(shipped=[1], returns=[(9, "COMPLETED")], promotion=PROMOTION)
    ledger = FakeLedger()
    first = route_order(state, config(), ledger)
    ledger.record(first)

    second = route_order(state, config(), ledger)

    assert len(first.routed) == 7
    assert second.routed == []
    assert second.skip_reasons == ["already_sent"] * 7
    assert [s.subject for s in second.skipped][1:] == first.business_keys[1:]


def test_a_shipment_event_handled_before_the_order_created_event_gives_the_same_effects() -> None:
    created, shipped = order_state(), order_state(shipped=[1])
    # In order, the router reads the order at each step; out of order, both events read the shipped order.
    in_order = _route_all([created, shipped], config())
    out_of_order = _route_all([shipped, shipped], config())

    assert sorted(in_order) == sorted(out_of_order)
    assert len(set(in_order)) == len(in_order) == 4


def test_a_promotion_is_redeemed_once_across_split_shipments() -> None:
    states = [
        order_state(payments=["PENDING"], promotion=PROMOTION),
        order_state(payments=["PENDING"], shipped=[1], promotion=PROMOTION),
        order_state(payments=["PENDING", "SUCCESS"], shipped=[1], promotion=PROMOTION),
        order_state(payments=["PENDING", "SUCCESS"], shipped=[1, 2], promotion=PROMOTION),
    ]

    routed = _route_all(states, config())

    assert routed.count(f"redemption:{PROMOTION}") == 1
    # Not before the payment succeeded: the redemption follows the payment-successful e-mail.
    assert routed.index(f"redemption:{PROMOTION}") > routed.index("email:created:success")


# A lifecycle's worth of order states, drawn independently: any sequence of them stands for events arriving
# twice, late or out of order, with the router reading whatever Centra holds at that moment.
_PAYMENTS = st.sampled_from([(), ("PENDING",), ("SUCCESS",), ("FAILED",), ("PENDING", "SUCCESS"), ("FAILED", "OK")])


@st.composite
def _order_states(draw: st.DrawFn) -> Order:
    shipments = draw(st.lists(st.sampled_from([1, 2, 3]), unique=True, max_size=3))
    completed = draw(st.lists(st.booleans(), min_size=len(shipments), max_size=len(shipments)))
    return order_state(
        payments=draw(_PAYMENTS),
        shipped=[n for n, done in zip(shipments, completed, strict=True) if done],
        unshipped=[n for n, done in zip(shipments, completed, strict=True) if not done],
        returns=[(9, draw(st.sampled_from(["COMPLETED", "IN_PROGRESS"])))] if draw(st.booleans()) else [],
        status=draw(st.sampled_from(["PROCESSING", "COMPLETED", "CANCELLED"])),
        promotion=draw(st.sampled_from([None, PROMOTION])),
        customer={"registered": draw(st.booleans()), "newsletter": draw(st.sampled_from([None, True, False]))},
    )


_CONFIGS = st.sampled_from(
    [
        config(),
        config(contact_sync="registered"),
        config(contact_sync="none", transactional_emails=False),
        config(promotions={"redeem_when": "first_shipment"}),
    ]
)


@settings(max_examples=150, deadline=None)
@given(states=st.lists(_order_states(), min_size=1, max_size=6), cfg=_CONFIGS, historical=st.booleans())
def test_any_sequence_of_states_routes_each_effect_at_most_once(
    states: list[Order], cfg: BrandConfig, historical: bool
) -> None:
    ledger = FakeLedger()
    seen: list[str] = []
    for state in states:
        decision = route_order(state, cfg, ledger, historical=historical)
        for routed in decision.routed:
            message = routed.message
            if isinstance(message, PromotionRedemption):
                assert payment_state(state) == "success"
                if cfg.promotions.redeem_when == "first_shipment":
                    assert any(shipment.is_completed for shipment in state.shipments)
            assert not (historical and isinstance(message, OrderEmail | PromotionRedemption))
        seen += decision.business_keys
        ledger.record(decision)

    assert len(seen) == len(set(seen))
    # Whatever the last state implies went out at some point: seeing it once more routes nothing new.
    assert route_order(states[-1], cfg, ledger, historical=historical).routed == []


@settings(max_examples=50, deadline=None)
@given(state=_order_states(), cfg=_CONFIGS)
def test_wholesale_orders_never_route_anything(state: Order, cfg: BrandConfig) -> None:
    assert state.store is not None
    wholesale = state.model_copy(update={"store": state.store.model_copy(update={"type": "WHOLESALE"})})
    allowing = cfg.model_copy(
        update={
            "restrictions": cfg.restrictions.model_copy(update={"store_types": ["DIRECT_TO_CONSUMER", "WHOLESALE"]})
        }
    )

    for brand in (cfg, allowing):
        decision = route_order(wholesale, brand, FakeLedger())
        assert decision.routed == []
        assert decision.skip_reasons == ["restricted_store_type"]
