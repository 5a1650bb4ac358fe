"""The demo's generated shop: it loads in the Centra fake, every step applies, and it covers issue 6's cases."""

import json
from collections import Counter
from functools import cache
from typing import Any

import pytest

from engage_bridge_tools.centra_fake.fake import CentraFake
from engage_bridge_tools.demo.catalogue import MARKET_OF_WAREHOUSE
from engage_bridge_tools.demo.scenario import MIN_ORDERS, Scenario, generate_scenario, load_demo_config
from engage_bridge_tools.sandbox.app import SandboxApp

SHOP_ACTIONS = {
    "add_order",
    "create_shipment",
    "complete_shipment",
    "ship_order",
    "register_return",
    "complete_return",
    "cancel_order",
    "update_customer",
    "add_newsletter_subscription",
    "set_stock",
}
CASES = (
    (20, 1),
    (20, 2),
    (60, 7),
    (60, 8),
    (61, 3),
    (120, 11),
)


def run(scenario: Scenario) -> CentraFake:
    """Apply every step in order, in process, as the demo's runner does."""
    fake = CentraFake.from_document(scenario.shop)
    for _, step in scenario.steps():
        getattr(fake, step.action)(**step.kwargs)
    return fake


@cache
def generated(orders: int, seed: int) -> tuple[Scenario, dict[str, Any]]:
    """A scenario and the shop after all its steps; shared by the tests below (adding an order re-checks the shop)."""
    scenario = generate_scenario(orders, seed)
    return scenario, run(scenario).snapshot()


@pytest.mark.parametrize(("orders", "seed"), CASES)
def test_every_shop_loads_and_every_step_applies(orders: int, seed: int) -> None:
    scenario, final = generated(orders, seed)

    assert {step.action for _, step in scenario.steps()} <= SHOP_ACTIONS
    assert len(final["orders"]) == orders
    assert scenario.shop["orders"] == []  # every order reaches the bridge as events
    json.dumps([scenario.shop, scenario.engage_seed, [[s.kwargs for s in phase] for phase in scenario.phases]])


@pytest.mark.parametrize(("orders", "seed"), CASES)
def test_issue_6s_cases_are_all_present(orders: int, seed: int) -> None:
    scenario, final = generated(orders, seed)
    by_number = {order["number"]: order for order in final["orders"]}
    customers = {customer["id"]: customer for customer in final["customers"]}

    def orders_where(case: str) -> list[dict[str, Any]]:
        return [by_number[number] for number in scenario.cases[case]]

    dtc = [o for o in final["orders"] if o["store"]["id"] == 1]
    assert {customers[o["customer"]["id"]]["registered"] for o in dtc if o.get("customer")} == {True, False}
    assert any("customer" not in o for o in dtc)  # a guest checkout without a customer record
    assert {o["grandTotal"]["currency"]["code"] for o in dtc} == {"SEK", "EUR"}
    assert {o["market"]["id"] for o in dtc} == {1, 2}
    assert any(o["discountsApplied"] and o["discountsApplied"][0]["voucher"]["code"] for o in dtc)
    assert any(len([s for s in o["shipments"] if s["isShipped"]]) >= 2 for o in orders_where("split_shipment"))
    completed_returns = [r for o in orders_where("returned") for r in o["returns"] if r["returnStatus"] == "COMPLETED"]
    assert any(r["totals"]["handling"]["value"] < 0 for r in completed_returns)  # a handling fee the customer pays
    assert [r["returnStatus"] for o in orders_where("pending_return") for r in o["returns"]] == ["PENDING"]
    assert {o["status"] for o in orders_where("cancelled")} == {"CANCELLED"}
    assert all(o["paymentHistory"][-1]["status"] == "FAILED" for o in orders_where("payment_failed"))
    assert all(o["store"]["id"] == 2 and o["account"] for o in orders_where("wholesale"))
    newsletter_only = [s for s in final["newsletterSubscriptions"] if s["customer"] is None]
    assert len(newsletter_only) >= 3
    assert any(s["customer"] is not None for s in final["newsletterSubscriptions"])


@pytest.mark.parametrize(("orders", "seed"), CASES)
def test_promotions_and_back_in_stock_are_set_up_to_happen(orders: int, seed: int) -> None:
    scenario, final = generated(orders, seed)
    attribute = load_demo_config().promotion_id_attribute
    promoted = {o["number"]: o for o in final["orders"] if any(a["type"]["name"] == attribute for a in o["attributes"])}
    seeded = {item["id"] for item in scenario.engage_seed["promotions"]}

    assert {a["elements"][0]["value"] for o in promoted.values() for a in o["attributes"]} == seeded
    shipped_and_paid = [
        o for o in promoted.values() if o["store"]["id"] == 1 and any(s["isShipped"] for s in o.get("shipments", []))
    ]
    assert shipped_and_paid, "at least one redemption"
    assert any(not o.get("shipments") for o in promoted.values()), "an assignment not redeemed because not shipped"

    def market(stock: dict[str, Any]) -> str:
        return str(MARKET_OF_WAREHOUSE[stock["warehouse"]["id"]])

    levels = {(s["productSize"]["SKU"], market(s)): s["freeToAllocateQuantity"] for s in final["stock"]}
    initial = {(s["productSize"]["SKU"], market(s)): s["freeToAllocateQuantity"] for s in scenario.shop["stock"]}
    subscriptions = scenario.engage_seed["back_in_stock_subscriptions"]
    restocked = [
        s for s in subscriptions if initial[s["sku"], s["externalId"]] == 0 < levels[s["sku"], s["externalId"]]
    ]
    still_out = [s for s in subscriptions if levels[s["sku"], s["externalId"]] == 0]
    assert restocked and still_out
    set_stock = [step.kwargs["sku"] for _, step in scenario.steps() if step.action == "set_stock"]
    assert max(Counter(set_stock).values()) == 1  # one change per SKU: no two stock events alike in time


def test_engage_seed_applies_to_the_sandbox() -> None:
    scenario = generate_scenario(60, 7)
    app = SandboxApp(api_key="k", rate_limit=None)

    created = app.seed(scenario.engage_seed)

    state = app.state.snapshot()
    assert len(created["contacts"]) == len(scenario.engage_seed["contacts"])
    assert len(state["subscriptions"]) == len(scenario.engage_seed["back_in_stock_subscriptions"])
    assert len(state["stock_levels"]) == len(scenario.engage_seed["stock_levels"])
    assert set(state["promotions"]) == {item["id"] for item in scenario.engage_seed["promotions"]}


def test_a_cancellation_comes_a_phase_after_its_order() -> None:
    scenario = generate_scenario(150, 5)
    added = {step.kwargs["order"]["number"]: phase for phase, step in scenario.steps() if step.action == "add_order"}
    cancelled = [
        (phase, step.kwargs["order_number"]) for phase, step in scenario.steps() if step.action == "cancel_order"
    ]

    assert cancelled and all(phase > added[number] for phase, number in cancelled)


def test_the_same_seed_gives_the_same_scenario_and_another_seed_another() -> None:
    assert generate_scenario(40, 7) == generate_scenario(40, 7)
    assert generate_scenario(40, 7).shop != generate_scenario(40, 8).shop


def test_too_few_orders_is_refused_naming_the_argument() -> None:
    with pytest.raises(ValueError, match=f"orders: at least {MIN_ORDERS}"):
        generate_scenario(MIN_ORDERS - 1)


@pytest.mark.parametrize(("orders", "seed"), CASES)
def test_the_consent_cases_are_set_up(orders: int, seed: int) -> None:
    scenario, final = generated(orders, seed)
    assert scenario.opted_out is not None and scenario.unsubscribes_in_engage is not None
    customers = {customer["id"]: customer for customer in final["customers"]}
    seeded = {item["email"]: item for item in scenario.engage_seed["contacts"]}

    opted_out = scenario.opted_out
    # Opted out in Engage, while Centra's flag is still true: the stale flag the consent rules must not trust.
    assert seeded[opted_out.email]["preferences"] == {"acceptsEmail": False}
    assert customers[opted_out.customer_id]["newsletter"] is True
    (number,) = scenario.cases["opted_out_in_engage"]
    order = next(order for order in final["orders"] if order["number"] == number)
    assert order["customer"]["id"] == opted_out.customer_id and order["shipments"]
    renamed = [
        step
        for _, step in scenario.steps()
        if step.action == "update_customer" and step.kwargs["customer_id"] == opted_out.customer_id
    ]
    assert [set(step.kwargs["changes"]) for step in renamed] == [{"lastName"}]

    unsubscribing = scenario.unsubscribes_in_engage
    assert seeded[unsubscribing.email]["preferences"] == {"acceptsEmail": True}
    assert customers[unsubscribing.customer_id]["newsletter"] is True
