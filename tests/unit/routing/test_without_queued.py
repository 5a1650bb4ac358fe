"""Decision.without_queued: the messages already on their queues leave the decision as counted skips."""

from engage_bridge.routing import Routed, route_order
from tests.unit.mapping.builders import config
from tests.unit.routing.states import order_state


def test_the_queued_messages_become_skips_and_the_rest_keep_their_order() -> None:
    decision = route_order(order_state(shipped=[1]), config(), lambda effect: False)
    queued = {decision.routed[0].business_key, decision.routed[2].business_key}

    rest = decision.without_queued(lambda routed: routed.business_key in queued)

    assert rest.routed == [decision.routed[1], decision.routed[3]]
    assert [(s.reason, s.subject) for s in rest.skipped[len(decision.skipped) :]] == [
        ("already_queued", decision.routed[0].business_key),
        ("already_queued", decision.routed[2].business_key),
    ]
    assert rest.skipped[: len(decision.skipped)] == decision.skipped
    assert all(s.effect is None for s in rest.skipped if s.reason == "already_queued")  # not suppressed: queued


def test_nothing_queued_leaves_the_decision_as_it_is() -> None:
    decision = route_order(order_state(shipped=[1]), config(), lambda effect: False)
    asked: list[Routed] = []

    def queued(routed: Routed) -> bool:
        asked.append(routed)
        return False

    assert decision.without_queued(queued) is decision and asked == decision.routed
