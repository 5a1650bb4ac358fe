"""Poison inputs planted in the soak's shop: each must end in a dead-letter queue, with its reason, and nowhere else.

- an order Engage refuses: a guest whose e-mail address Centra accepted and Engage rejects as invalid (two "@";
  the bridge's own check only wants a local part and a dotted domain) — the e-mail handler's contact lookup is
  answered 400 ``InvalidEmailAddress``;
- an unmappable order: placed in a market whose name is not a valid Engage store id ("Nordic Outlet" has a space
  and the brand configuration gives it no ``store_ids`` alias);
- an unmappable newsletter sign-up: an "address" without "@".

Also planted, with the last phase: a member's Centra record losing its first name and phone number (both set to
""). Nothing may be dead-lettered for it and Engage must keep both: an empty Centra field never blanks a contact.

They are played as extra steps of the first phase and are not part of the scenario, so the demo's oracle expects
nothing of them; ``without_poison`` takes them out of the final shop before the oracle reads it.
"""

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from engage_bridge.config import BrandConfig
from engage_bridge_tools.demo.catalogue import ALL_SKUS, DTC_STORE, MARKETS, Market
from engage_bridge_tools.demo.documents import OrderLineSpec, OrderSpec, Person, order_entry
from engage_bridge_tools.demo.scenario import Step

POISON_ORDER_FROM = 90001  # far above any generated order number
_POISON_LINE_FROM = 900001
_PLACED = datetime(2026, 11, 20, 12, 0, tzinfo=timezone(timedelta(hours=1)))
UNMAPPABLE_MARKET = Market(
    3, "Nordic Outlet", "SEK", Decimal("0.0874"), 25, Decimal(49), Decimal(49), (("Sweden", "SE", "+4670"),), "SEK", 101
)
UNMAPPABLE_SIGNUP = "signup-without-at-sign.example.org"
BLANKED_CUSTOMER = 1  # a registered customer the scenario seeds in Engage, orders for and updates
BLANKED_FIELDS = {"firstName": "", "phoneNumber": ""}


@dataclass(frozen=True)
class Poison:
    label: str
    step: Step
    queue: str  # the DLQ's logical id
    reason: str  # the dead letter's reason attribute
    business_key_prefix: str  # what the dead letter's business key starts with

    def matches(self, queue: str, reason: str, business_key: str | None) -> bool:
        return (
            queue == self.queue and reason == self.reason and (business_key or "").startswith(self.business_key_prefix)
        )


@dataclass(frozen=True)
class PlantedShop:
    shop: dict[str, Any]  # the scenario's initial shop plus what the poison needs (the unmappable market)
    poisons: tuple[Poison, ...]
    blanking: tuple[Step, ...] = ()  # played after the last phase's steps

    @property
    def steps(self) -> tuple[Step, ...]:
        """The poison's steps, played with the first phase."""
        return tuple(poison.step for poison in self.poisons)

    def personal_data(self, field: str) -> list[str]:
        """The e-mail addresses (``email``) or phone numbers (``phoneNumber``) the planted orders carry."""
        return [str(step.kwargs["order"]["billingAddress"][field]) for step in self.steps if "order" in step.kwargs]


def plant(shop: dict[str, Any], cfg: BrandConfig) -> PlantedShop:
    planted = copy.deepcopy(shop)
    planted["markets"] = [*planted["markets"], {"id": UNMAPPABLE_MARKET.id, "name": UNMAPPABLE_MARKET.name}]
    refused, unmappable = POISON_ORDER_FROM, POISON_ORDER_FROM + 1
    sweden = MARKETS[0]
    poisons = (
        Poison(
            "order with an e-mail address Engage refuses",
            Step("add_order", {"order": _order(refused, sweden, "refused@@example.com", cfg)}),
            queue="OrderStatusDLQ",
            reason="engage_validation",
            business_key_prefix=f"order:{refused}:",
        ),
        Poison(
            "order in a market with no valid Engage store id",
            Step("add_order", {"order": _order(unmappable, UNMAPPABLE_MARKET, "outlet.buyer@example.com", cfg)}),
            queue="OrderStatusDLQ",
            reason="mapping_error",
            business_key_prefix=f"order:{unmappable}:",
        ),
        Poison(
            "newsletter sign-up without an e-mail address",
            Step(
                "add_newsletter_subscription",
                {"email": UNMAPPABLE_SIGNUP, "country_code": "SE", "market_id": sweden.id, "store_id": DTC_STORE["id"]},
            ),
            queue="ContactUpsertDLQ",
            reason="mapping_error",
            business_key_prefix="contact:newsletter:",
        ),
    )
    blanking = (Step("update_customer", {"customer_id": BLANKED_CUSTOMER, "changes": dict(BLANKED_FIELDS)}),)
    return PlantedShop(planted, poisons, blanking)


def without_poison(final_shop: dict[str, Any], planted: PlantedShop) -> dict[str, Any]:
    """The final shop as the scenario alone would have left it (for the oracle)."""
    numbers = {int(step.kwargs["order"]["number"]) for step in planted.steps if step.action == "add_order"}
    shop = dict(final_shop)
    shop["orders"] = [order for order in final_shop.get("orders", []) if int(order["number"]) not in numbers]
    shop["newsletterSubscriptions"] = [
        item for item in final_shop.get("newsletterSubscriptions", []) if item.get("email") != UNMAPPABLE_SIGNUP
    ]
    return shop


def _order(number: int, market: Market, email: str, cfg: BrandConfig) -> dict[str, Any]:
    product, size = ALL_SKUS[number % len(ALL_SKUS)]
    person = Person(
        first_name="Poison",
        last_name="Pill",
        gender="",
        email=email,
        phone=f"+4670{number}",
        birthdate="1990-01-01",
        street="Testgatan 1",
        city="Stockholm",
        zip_code="11122",
        country="Sweden",
        country_code="SE",
    )
    spec = OrderSpec(
        number=number,
        market=market,
        placed=_PLACED,
        lines=(OrderLineSpec(_POISON_LINE_FROM + number, product, size, 1),),
        person=person,
    )
    return order_entry(spec, cfg.promotion_id_attribute)
