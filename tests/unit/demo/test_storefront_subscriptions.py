"""The demo's storefront subscription: taken through the endpoint, not seeded, and restocked so it is notified."""

from engage_bridge.subscriptions.proof import verify
from engage_bridge_tools.demo.catalogue import MARKET_OF_WAREHOUSE
from engage_bridge_tools.demo.scenario import generate_scenario, load_demo_config
from engage_bridge_tools.demo.storefront import _body, _proof


def test_the_storefront_subscription_is_not_seeded_and_its_sku_comes_back() -> None:
    scenario = generate_scenario(20, 7, config=load_demo_config())
    [subscription] = scenario.storefront_subscriptions
    seeded = scenario.engage_seed["back_in_stock_subscriptions"]

    assert subscription not in seeded
    initial = {
        (s["productSize"]["SKU"], str(MARKET_OF_WAREHOUSE[s["warehouse"]["id"]])): s["freeToAllocateQuantity"]
        for s in scenario.shop["stock"]
    }
    assert initial[subscription["sku"], subscription["externalId"]] == 0
    restocks = [
        step.kwargs
        for _, step in scenario.steps()
        if step.action == "set_stock" and step.kwargs["sku"] == subscription["sku"]
    ]
    assert restocks, "the demo restocks the storefront subscription's SKU"


def test_the_storefront_signs_as_the_documented_example_does() -> None:
    body = _body({"email": "a@b.se", "sku": "S", "externalId": "1", "locale": "sv-SE"})
    proof = _proof("key", body)

    expires, digest = (part.split("=", 1)[1] for part in proof.split(","))
    assert verify(body, proof, ["key"], now=int(expires) - 1, max_age_seconds=900).secret_index == 0
    assert len(digest) == 64
