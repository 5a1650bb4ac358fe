"""route_order: Centra situations -> the business keys routed (in order) and the reasons skipped."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from engage_bridge.centra import Order
from engage_bridge.messages import ContactUpsert, PromotionRedemption
from engage_bridge.routing import Routed, order_effects, route_order
from engage_bridge.state import Effect
from tests.unit.mapping.builders import address, config, contact_id_attribute
from tests.unit.routing.states import PROMOTION, FakeLedger, labels, order_state, reasons

GUEST: dict[str, Any] = {"registered": False, "newsletter": None}
CREATED = "email:created:success"
SHIPPED_1, RECEIPT_1 = "email:shipped:shipment:11", "receipt:purchase:shipment:11"
SHIPPED_2, RECEIPT_2 = "email:shipped:shipment:12", "receipt:purchase:shipment:12"
REDEEM = f"redemption:{PROMOTION}"


@dataclass(frozen=True)
class Case:
    state: Callable[[], Order]
    routed: list[str]
    skipped: list[str] = field(default_factory=list)
    cfg: dict[str, Any] = field(default_factory=dict)
    historical: bool = False


CASES: dict[str, Case] = {
    "new paid order": Case(order_state, ["contact:customer", CREATED]),
    "first seen already shipped": Case(
        lambda: order_state(shipped=[1]), ["contact:customer", CREATED, SHIPPED_1, RECEIPT_1]
    ),
    "split shipments, each once, in delivery order": Case(
        lambda: order_state(shipped=[2, 1]), ["contact:customer", CREATED, SHIPPED_1, RECEIPT_1, SHIPPED_2, RECEIPT_2]
    ),
    "a shipment not yet completed gets nothing": Case(
        lambda: order_state(shipped=[1], unshipped=[2]), ["contact:customer", CREATED, SHIPPED_1, RECEIPT_1]
    ),
    "cancelled": Case(lambda: order_state(status="CANCELLED"), ["contact:customer", "email:cancelled"]),
    "cancelled after a shipment: nothing for the shipment": Case(
        lambda: order_state(status="CANCELLED", shipped=[1]),
        ["contact:customer", "email:cancelled"],
        ["order_cancelled"],
    ),
    "payment failed": Case(lambda: order_state(payments=["FAILED"]), ["contact:customer", "email:created:failed"]),
    "payment failed, shipment completed anyway": Case(
        lambda: order_state(payments=["FAILED"], shipped=[1]),
        ["contact:customer", "email:created:failed"],
        ["payment_failed"],
    ),
    "payment pending": Case(lambda: order_state(payments=["PENDING"]), ["contact:customer", "email:created:pending"]),
    "payment settled at first sight: no pending e-mail": Case(
        lambda: order_state(payments=["PENDING", "SUCCESS"]), ["contact:customer", CREATED]
    ),
    "wholesale store": Case(
        lambda: order_state(shipped=[1], store={"id": 2, "name": "B2B", "type": "WHOLESALE"}),
        [],
        ["restricted_store_type"],
    ),
    "wholesale even when the configuration lists it": Case(
        lambda: order_state(shipped=[1], store={"id": 2, "name": "B2B", "type": "WHOLESALE"}),
        [],
        ["restricted_store_type"],
        cfg={"restrictions": {"store_types": ["DIRECT_TO_CONSUMER", "WHOLESALE"]}},
    ),
    "a WholesaleOrder document": Case(
        lambda: order_state(__typename="WholesaleOrder"),
        [],
        ["restricted_store_type"],
        cfg={"restrictions": {"store_types": ["DIRECT_TO_CONSUMER", "WHOLESALE"]}},
    ),
    "restricted market": Case(
        lambda: order_state(shipped=[1]), [], ["restricted_market"], cfg={"restrictions": {"markets": ["Norway"]}}
    ),
    "restricted country": Case(order_state, [], ["restricted_country"], cfg={"restrictions": {"countries": ["NO"]}}),
    "guest, sync all: a member": Case(
        lambda: order_state(shipped=[1], customer=GUEST),
        ["contact:customer", CREATED, SHIPPED_1, RECEIPT_1],
        cfg={"contact_sync": "all"},
    ),
    "guest, sync registered: transactional, no receipt": Case(
        lambda: order_state(shipped=[1], customer=GUEST),
        [CREATED, SHIPPED_1],
        ["not_a_member", "not_a_member"],
        cfg={"contact_sync": "registered"},
    ),
    "guest, sync with_engage_id, no id: transactional": Case(
        lambda: order_state(shipped=[1], customer=GUEST),
        [CREATED, SHIPPED_1],
        ["not_a_member", "not_a_member"],
        cfg={"contact_sync": "with_engage_id"},
    ),
    "guest, sync with_engage_id, front end gave an id: a member": Case(
        lambda: order_state(shipped=[1], customer={**GUEST, "attributes": contact_id_attribute()}),
        ["contact:customer", CREATED, SHIPPED_1, RECEIPT_1],
        cfg={"contact_sync": "with_engage_id"},
    ),
    "guest, sync none: e-mails only": Case(
        lambda: order_state(shipped=[1], customer=GUEST),
        [CREATED, SHIPPED_1],
        ["not_a_member", "not_a_member"],
        cfg={"contact_sync": "none"},
    ),
    "registered customer, sync none: e-mails only": Case(
        lambda: order_state(shipped=[1], customer={"newsletter": None}),
        [CREATED, SHIPPED_1],
        ["not_a_member", "not_a_member"],
        cfg={"contact_sync": "none"},
    ),
    "transactional guest with a newsletter flag: its newsletter contact": Case(
        lambda: order_state(shipped=[1], customer={**GUEST, "newsletter": True}),
        ["contact:customer", CREATED, SHIPPED_1],
        ["not_a_member"],
        cfg={"contact_sync": "registered"},
    ),
    "newsletter flag, newsletter sync off: no contact": Case(
        lambda: order_state(customer={**GUEST, "newsletter": True}),
        [CREATED],
        ["not_a_member"],
        cfg={"contact_sync": "registered", "newsletter_subscribers": False},
    ),
    "no customer record: handlers make the contact from the order": Case(
        lambda: order_state(shipped=[1], no_customer=True), [CREATED, SHIPPED_1, RECEIPT_1], ["no_customer_record"]
    ),
    "no e-mail anywhere": Case(
        lambda: order_state(customer={"email": None}, billingAddress={**address(), "email": None}), [], ["no_email"]
    ),
    "transactional e-mails off": Case(
        lambda: order_state(shipped=[1]),
        ["contact:customer", RECEIPT_1],
        ["transactional_emails_off", "transactional_emails_off"],
        cfg={"transactional_emails": False},
    ),
    "completed return; a return in progress gets nothing": Case(
        lambda: order_state(shipped=[1], returns=[(9, "COMPLETED"), (10, "IN_PROGRESS")]),
        ["contact:customer", CREATED, SHIPPED_1, RECEIPT_1, "email:returned:return:9", "receipt:return:return:9"],
    ),
    "historical: contacts and receipts only": Case(
        lambda: order_state(shipped=[1], returns=[(9, "COMPLETED")], promotion=PROMOTION),
        ["contact:customer", RECEIPT_1, "receipt:return:return:9"],
        ["historical"] * 4,
        historical=True,
    ),
    "promotion: paid, redeemed at once, before any shipment (default)": Case(
        lambda: order_state(unshipped=[1], promotion=PROMOTION), ["contact:customer", CREATED, REDEEM]
    ),
    "promotion: paid and shipped, redeemed once with the payment": Case(
        lambda: order_state(shipped=[1, 2], promotion=PROMOTION),
        ["contact:customer", CREATED, REDEEM, SHIPPED_1, RECEIPT_1, SHIPPED_2, RECEIPT_2],
    ),
    "promotion: payment pending, not redeemed even when shipped": Case(
        lambda: order_state(payments=["PENDING"], shipped=[1], promotion=PROMOTION),
        ["contact:customer", "email:created:pending", SHIPPED_1, RECEIPT_1],
        ["payment_not_settled"],
    ),
    "promotion at first shipment: paid and shipped, redeemed once after the first receipt": Case(
        lambda: order_state(shipped=[1, 2], promotion=PROMOTION),
        ["contact:customer", CREATED, SHIPPED_1, RECEIPT_1, REDEEM, SHIPPED_2, RECEIPT_2],
        cfg={"promotions": {"redeem_when": "first_shipment"}},
    ),
    "promotion at first shipment: shipped but payment pending": Case(
        lambda: order_state(payments=["PENDING"], shipped=[1], promotion=PROMOTION),
        ["contact:customer", "email:created:pending", SHIPPED_1, RECEIPT_1],
        ["payment_not_settled"],
        cfg={"promotions": {"redeem_when": "first_shipment"}},
    ),
    "promotion at first shipment: paid but not shipped": Case(
        lambda: order_state(unshipped=[1], promotion=PROMOTION),
        ["contact:customer", CREATED],
        ["not_shipped"],
        cfg={"promotions": {"redeem_when": "first_shipment"}},
    ),
    "promotion: a guest's redemption does not need a receipt": Case(
        lambda: order_state(shipped=[1], promotion=PROMOTION, customer=GUEST),
        [CREATED, REDEEM, SHIPPED_1],
        ["not_a_member", "not_a_member"],
        cfg={"contact_sync": "registered"},
    ),
    "promotion: an attribute that is not an id holds nothing else back": Case(
        lambda: order_state(shipped=[1], promotion="not an id!"),
        ["contact:customer", CREATED, SHIPPED_1, RECEIPT_1],
        ["promotion_id_invalid"],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_routing_table(case: Case) -> None:
    decision = route_order(case.state(), config(**case.cfg), FakeLedger(), historical=case.historical)

    assert labels(decision) == case.routed
    assert reasons(decision) == sorted(case.skipped)


def test_every_routed_message_goes_to_its_own_queue() -> None:
    decision = route_order(order_state(shipped=[1], promotion=PROMOTION), config(), FakeLedger())

    assert [routed.route for routed in decision.routed] == [
        "contact_upsert",
        "order_status",
        "promotion_redemption",
        "order_status",
        "receipt_push",
    ]


def test_a_route_that_does_not_fit_its_message_is_refused() -> None:
    message = PromotionRedemption(order_number=500, assignment_id=PROMOTION)

    with pytest.raises(ValueError, match="promotion_redemption"):
        Routed("order_status", message)


def test_historical_messages_are_marked_historical() -> None:
    decision = route_order(order_state(shipped=[1]), config(), FakeLedger(), historical=True)

    assert decision.routed
    assert all(routed.message.historical for routed in decision.routed)


def test_an_order_contact_gets_the_orders_email_and_address_when_the_customer_selection_lacks_them() -> None:
    state = order_state(customer={"email": None})

    contact = route_order(state, config(), FakeLedger()).routed[0].message

    assert isinstance(contact, ContactUpsert)
    assert contact.customer is not None
    assert contact.customer.email == "astrid@example.com"
    assert contact.customer.billing_address == state.billing_address


def test_a_restricted_order_is_skipped_once_under_its_subject() -> None:
    decision = route_order(order_state(shipped=[1]), config(restrictions={"pricelists": ["EUR"]}), FakeLedger())

    assert [(s.reason, s.subject) for s in decision.skipped] == [("restricted_pricelist", "order:500")]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_effects_a_decision_asks_about_do_not_depend_on_the_ledgers_answers(case: Case) -> None:
    """The router reads ``order_effects`` in one batch before deciding: every answer must have been read."""
    state, cfg = case.state(), config(**case.cfg)
    candidates = order_effects(state, cfg, historical=case.historical)
    for sent in (set(), set(candidates), set(candidates[::2]), set(candidates[1::2])):
        asked: list[Effect] = []

        def ledger(effect: Effect, sent: set[Effect] = sent, asked: list[Effect] = asked) -> bool:
            asked.append(effect)
            return effect in sent

        decision = route_order(state, cfg, ledger, historical=case.historical)

        assert asked == candidates
        assert {r.ledger_effect for r in decision.routed if r.ledger_effect is not None} == set(candidates) - sent
