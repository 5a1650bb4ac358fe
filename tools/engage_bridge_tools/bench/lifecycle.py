"""Engage requests for one order's life (confirmed → shipped → returned, existing member): the bridge, counted,
against Centra's plugin, derived from its documentation (``plugin_requests``).

The bridge's figure is counted, not derived: one order of an existing Engage member (the demo's seeded member
with no orders of their own, a newsletter subscriber) is played through the whole local runtime — the Centra
fake's webhooks and event queue, the router, the handlers, moto for AWS — against the Engage sandbox, and every
request the sandbox logs during each step is counted by endpoint. Nothing else happens in the shop meanwhile.

The member's first order through the bridge also syncs the customer once (the router routes a contact upsert
until the contact handler's ledger row exists: seed 001's "customer data at first transaction"), so a second
order of the same member is played after it: the first order is the headline figure, the repeat order the
steady state.
"""

import tempfile
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from engage_bridge_tools.bench import plugin_requests
from engage_bridge_tools.bench.endpoints import endpoint
from engage_bridge_tools.demo.catalogue import MARKETS, PRODUCTS, Market
from engage_bridge_tools.demo.documents import OrderLineSpec, OrderSpec, Person, order_entry
from engage_bridge_tools.demo.scenario import DEMO_CONFIG_PATH, generate_scenario, load_demo_config
from engage_bridge_tools.local.session import LocalSession, SessionOptions, load_json, local_session

ORDER_NUMBER = 77001
DRAIN_TIMEOUT_SECONDS = 300.0


def run() -> dict[str, Any]:
    bridge = bridge_requests()
    plugin = plugin_requests.derivation()
    return {
        "bridge": bridge,
        "plugin": plugin,
        "bridge_requests": bridge["requests"],
        "bridge_requests_repeat_order": bridge["repeat_order"]["requests"],
        "plugin_requests_at_least": plugin["requests"],
        "plugin_requests_at_most": plugin["requests_at_most"],
        "bridge_to_plugin": round(bridge["requests"] / plugin["requests"], 3),
    }


def bridge_requests() -> dict[str, Any]:
    """The member's first order through the bridge (their one-time contact sync included), then a second one."""
    config = load_demo_config()
    scenario = generate_scenario(20, 7, config=config)
    member = _quiet_member(scenario.shop["customers"], scenario.engage_seed["contacts"])
    with tempfile.TemporaryDirectory() as folder:
        options = SessionOptions(
            config=load_json(DEMO_CONFIG_PATH), shop=scenario.shop, log_path=Path(folder) / "functions.log"
        )
        with local_session(options) as session:
            sandbox, centra = _endpoints(session)
            sandbox.app.seed(scenario.engage_seed)
            session.runtime.run_until_idle(DRAIN_TIMEOUT_SECONDS)  # the poller registers its listeners
            orders = {}
            for label, number in (("first_order", ORDER_NUMBER), ("repeat_order", ORDER_NUMBER + 1)):
                by_step = {}
                for step, actions in _lifecycle(member, number, config.promotion_id_attribute).items():
                    before = len(sandbox.requests())
                    for action, kwargs in actions:
                        getattr(centra, action)(**kwargs)
                    session.runtime.run_until_idle(DRAIN_TIMEOUT_SECONDS)
                    new = sandbox.requests()[before:]
                    by_step[step] = dict(sorted(Counter(endpoint(r["method"], r["path"]) for r in new).items()))
                orders[label] = _effects(sandbox.state(), number, by_step)
    return {
        "member_existing_in_engage": True,
        "newsletter_subscriber": bool(member["newsletter"]),
        "requests": orders["first_order"]["requests"],
        **orders,
    }


def _lifecycle(member: dict[str, Any], number: int, promotion_attribute: str) -> dict[str, list[tuple[str, Any]]]:
    product = PRODUCTS[0]
    spec = OrderSpec(
        number=number,
        market=_market(member),
        placed=datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=1))),
        lines=(OrderLineSpec(900_000 + number, product, product.sizes[0], 1),),
        person=_person(member),
        customer_id=member["id"],
    )
    return {
        "confirmed": [("add_order", {"order": order_entry(spec, promotion_attribute)})],
        "shipped": [("ship_order", {"order_number": number})],
        "returned": [
            ("register_return", {"shipment_number": f"{number}-1"}),
            ("complete_return", {"order_number": number}),
        ],
    }


def _effects(state: dict[str, Any], number: int, by_step: dict[str, dict[str, int]]) -> dict[str, Any]:
    return {
        "order_number": number,
        "requests": sum(sum(counts.values()) for counts in by_step.values()),
        "by_step": by_step,
        "emails_sent": sorted(
            str(count["orderStatus"]) for count in state["automation_counts"] if count["orderNumber"] == str(number)
        ),
        "receipts": sorted(key for key in state["receipts"] if key.startswith(f"{number}-")),
    }


def _endpoints(session: LocalSession) -> tuple[Any, Any]:
    if session.sandbox is None or session.centra is None:
        raise RuntimeError("the lifecycle runs on the Engage sandbox and the Centra fake")
    return session.sandbox, session.centra


def _quiet_member(customers: list[dict[str, Any]], seeded: list[dict[str, Any]]) -> dict[str, Any]:
    """A registered customer already a member in Engage, whose e-mail no other customer shares."""
    emails = Counter(customer["email"] for customer in customers)
    seeded_emails = {contact["email"] for contact in seeded}
    members = [c for c in customers if c["registered"] and c["email"] in seeded_emails and emails[c["email"]] == 1]
    if not members:
        raise LookupError("the demo scenario seeds no member with an e-mail of their own")
    return members[-1]


def _person(customer: dict[str, Any]) -> Person:
    address = customer["billingAddress"]
    return Person(
        first_name=customer["firstName"],
        last_name=customer["lastName"],
        gender=customer["gender"],
        email=customer["email"],
        phone=customer["phoneNumber"],
        birthdate=customer["birthdate"],
        street=address["address1"],
        city=address["city"],
        zip_code=address["zipCode"],
        country=address["country"]["name"],
        country_code=address["country"]["code"],
    )


def _market(customer: dict[str, Any]) -> Market:
    code = customer["billingAddress"]["country"]["code"]
    return next(market for market in MARKETS if any(country[1] == code for country in market.countries))
