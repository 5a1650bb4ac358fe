"""The demo's generated shop: an initial Centra shop, what Engage holds beforehand, and phases of shop changes.

``generate_scenario(orders, seed)`` is deterministic per seed. Every order arrives through ``add_order`` (the
initial shop has none), so each one reaches the bridge as Centra events; the runner applies each phase's steps
in order (``getattr(centra_fake, step.action)(**step.kwargs)``) and drains the pipeline between phases.

Changes that take an effect back (a cancellation hides the order confirmation a cancelled order would not get)
are placed in a later phase than the order itself, so what the bridge sends does not depend on when within a
phase the router reads the order. Each SKU's stock is set at most once: the stock handler keeps the newest event
per SKU and market, and two changes within one second would look equally new.
"""

import random
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from engage_bridge.config import BrandConfig, parse_config
from engage_bridge_tools.demo.catalogue import (
    ALL_SKUS,
    CITIES,
    DTC_STORE,
    FIRST_NAMES,
    LAST_NAMES,
    MARKET_OF_WAREHOUSE,
    MARKETS,
    PAYMENT_METHODS,
    STREETS,
    VOUCHERS,
    WAREHOUSES,
    WHOLESALE_ACCOUNTS,
    WHOLESALE_STORE,
    Market,
    Product,
    displays,
)
from engage_bridge_tools.demo.documents import (
    Entry,
    OrderLineSpec,
    OrderSpec,
    Person,
    customer_entry,
    order_entry,
    stamp,
)

DEMO_CONFIG_PATH = Path(__file__).resolve().parent.parent / "data" / "brand.example.json"
MIN_ORDERS = 20  # one order per guaranteed case, plus room for the random mix
FIRST_ORDER_NUMBER = 10001
PHASE_NAMES = ("orders placed", "fulfilment", "after-sales")
_PLACED_FROM = datetime(2026, 11, 20, 9, 0, tzinfo=timezone(timedelta(hours=1)))
# Fates of direct-to-consumer orders with a settled payment; the guaranteed ones come first, once each.
_GUARANTEED_FATES = (
    "split_later",
    "split_now",
    "two_returns",
    "return_with_fee",
    "return_without_fee",
    "pending_return",
    "unshipped",
    "shipped",
)
_RANDOM_FATES = (("shipped", 45), ("return_with_fee", 12), ("return_without_fee", 8), ("split_later", 10))
_RANDOM_FATES_REST = ("unshipped", 25)
_MULTI_LINE_FATES = frozenset({"split_later", "split_now", "two_returns"})


@dataclass(frozen=True)
class Step:
    """One Centra shop change: ``getattr(centra_fake, action)(**kwargs)``."""

    action: str
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class CasePerson:
    """A person issue 17's cases follow: their Centra customer id and address (the first one, for an e-mail change)."""

    customer_id: int
    email: str


@dataclass(frozen=True)
class Scenario:
    shop: dict[str, Any]  # the initial shop file document (no orders: they arrive as steps)
    engage_seed: dict[str, Any]  # body for the Engage sandbox's POST /_sandbox/seed
    phases: tuple[tuple[Step, ...], ...]  # applied in order; the pipeline is drained between phases
    cases: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # case -> order numbers exercising it
    # Back-in-stock subscriptions the storefront sends through the stack's endpoint (seed format), not seeded
    storefront_subscriptions: tuple[dict[str, Any], ...] = ()
    # A member who opted out in Engage while Centra's newsletter flag stayed true: orders, changes name, is replayed
    opted_out: CasePerson | None = None
    # A subscribed member who unsubscribes in Engage once the phases ran (a preference webhook)
    unsubscribes_in_engage: CasePerson | None = None
    # A member who changes e-mail in Centra after ordering: one Engage member must keep the whole history
    changes_email: CasePerson | None = None
    new_email: str | None = None

    def steps(self) -> Iterator[tuple[int, Step]]:
        """Every step with the index of its phase."""
        for index, phase in enumerate(self.phases):
            for step in phase:
                yield index, step


def load_demo_config() -> BrandConfig:
    return parse_config(DEMO_CONFIG_PATH.read_text(encoding="utf-8"))


def generate_scenario(orders: int = 60, seed: int = 7, *, config: BrandConfig | None = None) -> Scenario:
    """A shop with ``orders`` orders covering issue 6's list of cases; the same arguments give the same scenario.

    ``config`` (default: ``brand.example.json``) supplies the promotion attribute name, the member contact type
    and the product-feed locales the Engage seed must use to match what the bridge sends.
    """
    if orders < MIN_ORDERS:
        raise ValueError(f"orders: at least {MIN_ORDERS}, one per case the demo covers")
    return _Generator(random.Random(seed), config or load_demo_config(), orders, seed).build()  # noqa: S311 - test data


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().replace(" ", "").lower()


class _Generator:
    def __init__(self, rng: random.Random, cfg: BrandConfig, orders: int, seed: int) -> None:
        self.rng, self.cfg, self.order_count, self.seed = rng, cfg, orders, seed
        self.customers: list[Entry] = []
        self.people: dict[int, Person] = {}
        self.home_market: dict[int, Market] = {}
        self.phases: list[list[Step]] = [[] for _ in PHASE_NAMES]
        self.cases: dict[str, list[int]] = {}
        self.assignment_ids: list[str] = []
        self.next_line_id = 1
        self.next_number = FIRST_ORDER_NUMBER
        self.opted_out = self.unsubscribing = self.moving = 0  # customer ids, set by _consent_people
        self.new_email = ""

    # -- people ------------------------------------------------------------------------------------------------

    def _person(self, market: Market, email: str | None = None, tag: str = "") -> Person:
        first, gender = self.rng.choice(FIRST_NAMES)
        last = self.rng.choice(LAST_NAMES)
        country, code, mobile = self.rng.choice(market.countries)
        return Person(
            first_name=first,
            last_name=last,
            gender=gender,
            email=email or f"{_ascii(first)}.{_ascii(last)}.{tag}@example.com",
            phone=f"{mobile}{self.rng.randrange(10**6, 10**7)}",
            birthdate=self._birthdate(),
            street=f"{self.rng.choice(STREETS)} {self.rng.randrange(1, 90)}",
            city=self.rng.choice(CITIES[code]),
            zip_code=f"{self.rng.randrange(10000, 99999)}",
            country=country,
            country_code=code,
        )

    def _birthdate(self) -> str:
        return f"{self.rng.randrange(1960, 2005)}-{self.rng.randrange(1, 13):02d}-{self.rng.randrange(1, 29):02d}"

    def _add_customer(self, *, registered: bool, newsletter: bool, market: Market, email: str | None = None) -> int:
        customer_id = len(self.customers) + 1
        person = self._person(market, email, tag=f"c{customer_id}")
        since = _PLACED_FROM - timedelta(days=self.rng.randrange(30, 700))
        self.customers.append(
            customer_entry(customer_id, person, registered=registered, newsletter=newsletter, since=since)
        )
        self.people[customer_id], self.home_market[customer_id] = person, market
        return customer_id

    def _make_customers(self) -> None:
        total = max(12, self.order_count // 2)
        registered = (total * 3 + 4) // 5
        sweden, rest_of_world = MARKETS
        for index in range(registered):
            market = (sweden, rest_of_world)[index % 2] if index < 2 else self._random_market()
            newsletter = index not in (0, 2) and self.rng.random() < 0.4  # 1 and 3 start unsubscribed
            self._add_customer(registered=True, newsletter=newsletter, market=market)
        for _ in range(total - registered - 1):
            self._add_customer(registered=False, newsletter=self.rng.random() < 0.25, market=self._random_market())
        # A guest checkout with a registered customer's address: one e-mail, two Centra customers (as in Centra).
        first = self.people[1]
        self.shared_email_guest = self._add_customer(
            registered=False, newsletter=False, market=self.home_market[1], email=first.email
        )
        self.quiet_seeded = registered  # a registered customer with no orders, already a member in Engage
        self.quiet_updated = registered - 1  # a registered customer with no orders who changes their name
        self.late_subscriber = 3  # registered, orders, signs up to the newsletter after ordering
        self.ordering_customers = [c for c in range(1, len(self.customers) + 1) if c not in self._quiet()]

    def _quiet(self) -> set[int]:
        return {self.quiet_seeded, self.quiet_updated}

    def _random_market(self) -> Market:
        return MARKETS[0] if self.rng.random() < 0.6 else MARKETS[1]

    # -- orders ------------------------------------------------------------------------------------------------

    def _lines(self, minimum: int) -> tuple[OrderLineSpec, ...]:
        count = max(minimum, self.rng.choice((1, 1, 2, 2, 3)))
        chosen: list[tuple[Product, str]] = self.rng.sample(ALL_SKUS, count)
        lines = []
        for product, size in chosen:
            lines.append(OrderLineSpec(self.next_line_id, product, size, self.rng.choice((1, 1, 2, 3))))
            self.next_line_id += 1
        return tuple(lines)

    def _order(
        self, *, customer_id: int | None, person: Person, market: Market, min_lines: int = 1, **extra: Any
    ) -> OrderSpec:
        number = self.next_number
        self.next_number += 1
        voucher = self.rng.choice(VOUCHERS) if (number - FIRST_ORDER_NUMBER < 2 or self.rng.random() < 0.35) else None
        spec = OrderSpec(
            number=number,
            market=market,
            placed=_PLACED_FROM + timedelta(minutes=17 * (number - FIRST_ORDER_NUMBER)),
            lines=self._lines(min_lines),
            person=person,
            customer_id=customer_id,
            voucher=extra.pop("voucher", voucher),
            payment=self.rng.choice(PAYMENT_METHODS),
            **extra,
        )
        self._case(f"market_{market.name}", number)
        if spec.voucher:
            self._case("voucher", number)
        if spec.promotion_assignment_id:
            self._case("promotion", number)
            self.assignment_ids.append(spec.promotion_assignment_id)
        self.phases[0].append(Step("add_order", {"order": order_entry(spec, self.cfg.promotion_id_attribute)}))
        return spec

    def _customer_order(self, customer_id: int, **extra: Any) -> OrderSpec:
        spec = self._order(
            customer_id=customer_id, person=self.people[customer_id], market=self.home_market[customer_id], **extra
        )
        registered = self.customers[customer_id - 1]["registered"]
        self._case("registered_customer" if registered else "guest_customer", spec.number)
        return spec

    def _case(self, name: str, number: int) -> None:
        self.cases.setdefault(name, []).append(number)

    def _assignment_id(self, number: int) -> str:
        return f"demo-{self.seed}-{number}"

    def _make_orders(self) -> None:
        wholesale = max(2, round(self.order_count * 0.05))
        cancelled = max(1, round(self.order_count * 0.03))
        failed = max(1, round(self.order_count * 0.03))
        without_record = max(1, round(self.order_count * 0.03))
        # Two orders are issue 17's: the opted-out person's and the e-mail changer's.
        settled = self.order_count - wholesale - cancelled - failed - without_record - 2

        fates = list(_GUARANTEED_FATES)
        while len(fates) < settled:
            fates.append(self._random_fate())
        # The first orders go to the customers the other cases build on (seeded member, shared e-mail, late sign-up).
        owners = [1, 2, self.shared_email_guest, self.late_subscriber]
        promoted = {fates.index("shipped"), fates.index("unshipped"), fates.index("split_later")}
        for index, fate in enumerate(fates):
            owner = owners[index] if index < len(owners) else self.rng.choice(self.ordering_customers)
            promote = index in promoted or self.rng.random() < 0.1
            number = self.next_number
            spec = self._customer_order(
                owner,
                min_lines=2 if fate in _MULTI_LINE_FATES else 1,
                promotion_assignment_id=self._assignment_id(number) if promote else None,
            )
            self._fulfil(spec, fate)
        for _ in range(without_record):
            market = self._random_market()
            person = self._person(market, tag=f"guest{self.next_number}")
            spec = self._order(customer_id=None, person=person, market=market)
            self._case("guest_without_customer_record", spec.number)
            self._fulfil(spec, "shipped")
        for _ in range(cancelled):
            spec = self._customer_order(self.rng.choice(self.ordering_customers))
            self._case("cancelled", spec.number)
            self.phases[1].append(Step("cancel_order", {"order_number": spec.number}))
        for index in range(failed):
            number = self.next_number
            promotion = self._assignment_id(number) if index == 0 else None
            spec = self._customer_order(
                self.rng.choice(self.ordering_customers), payment_failed=True, promotion_assignment_id=promotion
            )
            self._case("payment_failed", spec.number)
        for index in range(wholesale):
            self._wholesale_order(index)
        self._consent_people()

    def _consent_people(self) -> None:
        """Issue 17's consent cases. The opted-out person unsubscribed in Engage (seeded as a member with
        ``acceptsEmail: false``) and Centra was never told, so the customer's newsletter flag is still true: they
        order, change their name and are replayed, and Engage must never be written a yes for them. The second
        person is a subscribed member who unsubscribes in Engage after the phases (a preference webhook)."""
        home = self.home_market[1]
        opted_out = self._add_customer(registered=True, newsletter=True, market=home)
        unsubscribing = self._add_customer(registered=True, newsletter=True, market=home)
        self.opted_out, self.unsubscribing = opted_out, unsubscribing
        spec = self._customer_order(opted_out)
        self._case("opted_out_in_engage", spec.number)
        self._fulfil(spec, "shipped")
        new_name = self.rng.choice([name for name in LAST_NAMES if name != self.people[opted_out].last_name])
        self.phases[2].append(Step("update_customer", {"customer_id": opted_out, "changes": {"lastName": new_name}}))
        # A member who orders, then changes e-mail in the after-sales phase, where the order's return also happens.
        self.moving = self._add_customer(registered=True, newsletter=False, market=home)
        spec = self._customer_order(self.moving)
        self._case("email_change", spec.number)
        self._fulfil(spec, "return_with_fee")
        self.new_email = f"moved.c{self.moving}@example.net"
        self.phases[2].append(
            Step("update_customer", {"customer_id": self.moving, "changes": {"email": self.new_email}})
        )

    def _random_fate(self) -> str:
        weights = dict([*_RANDOM_FATES, _RANDOM_FATES_REST])
        fate: str = self.rng.choices(list(weights), weights=list(weights.values()))[0]
        return fate

    def _wholesale_order(self, index: int) -> None:
        account_id = index % len(WHOLESALE_ACCOUNTS) + 1
        market = MARKETS[index % len(MARKETS)]
        name = _ascii(WHOLESALE_ACCOUNTS[account_id - 1][0])
        sweden = market.id == MARKETS[0].id
        person = Person(
            first_name="Order",
            last_name="Desk",
            gender="",
            email=f"orders.{name}@wholesale.example",
            phone="+46850000000" if sweden else "+4930500000",
            birthdate="1970-01-01",
            street="Industrivägen 4" if sweden else "Hafenstraße 9",
            city="Umeå" if sweden else "Berlin",
            zip_code="90326" if sweden else "10115",
            country="Sweden" if sweden else "Germany",
            country_code="SE" if sweden else "DE",
        )
        number = self.next_number
        spec = self._order(
            customer_id=None,
            person=person,
            market=market,
            account_id=account_id,
            voucher=None,
            promotion_assignment_id=self._assignment_id(number) if index == 0 else None,
        )
        self._case("wholesale", spec.number)
        self._fulfil(spec, "return_without_fee" if index == 0 else "shipped")

    def _fulfil(self, spec: OrderSpec, fate: str) -> None:
        number, later = spec.number, self.phases[2]
        ship = self.phases[1]
        first_line = spec.lines[0]
        fee = float(spec.market.return_fee)
        if fate == "unshipped":
            self._case("unshipped", number)
            return
        if fate in ("split_now", "split_later"):
            self._case("split_shipment", number)
            ship.append(_ship(number, 1, {first_line.line_id: first_line.quantity}))
            if fate == "split_now":
                ship.append(_ship(number, 2))
            else:
                ship.append(Step("create_shipment", {"order_number": number, "tracking_number": _tracking(number, 2)}))
                later.append(Step("complete_shipment", {"shipment_number": f"{number}-2"}))
            return
        ship.append(_ship(number, 1))
        if fate == "shipped":
            return
        self._case("pending_return" if fate == "pending_return" else "returned", number)
        if fate == "return_with_fee":
            later.append(_return(number, {first_line.line_id: 1}, fee, "Too small"))
            later.append(Step("complete_return", {"order_number": number}))
        elif fate == "return_without_fee":
            later.append(_return(number, None, 0.0, "Changed my mind"))
            later.append(Step("complete_return", {"order_number": number}))
        elif fate == "two_returns":
            second_line = spec.lines[1]
            later.append(_return(number, {first_line.line_id: first_line.quantity}, fee, "Wrong colour"))
            later.append(Step("complete_return", {"order_number": number}))
            later.append(_return(number, {second_line.line_id: second_line.quantity}, 0.0, "Too big"))
            later.append(Step("complete_return", {"order_number": number}))
        elif fate == "pending_return":
            later.append(_return(number, None, fee, "On its way back"))

    # -- customers and newsletter --------------------------------------------------------------------------------

    def _customer_changes(self) -> None:
        late = self.people[self.late_subscriber]
        self.phases[1].append(
            Step(
                "add_newsletter_subscription",
                {
                    "email": late.email,
                    "country_code": late.country_code,
                    "market_id": self.home_market[self.late_subscriber].id,
                    "store_id": DTC_STORE["id"],
                    "customer_id": self.late_subscriber,
                },
            )
        )
        for customer_id in (1, self.quiet_updated):
            new_name = self.rng.choice([name for name in LAST_NAMES if name != self.people[customer_id].last_name])
            mobile = self.home_market[customer_id].countries[0][2]
            changes = {"lastName": new_name, "phoneNumber": f"{mobile}{self.rng.randrange(10**6, 10**7)}"}
            self.phases[2].append(Step("update_customer", {"customer_id": customer_id, "changes": changes}))
        signups = max(3, self.order_count // 12)
        for index in range(signups):
            market = self._random_market()
            _, code, _ = self.rng.choice(market.countries)
            step = Step(
                "add_newsletter_subscription",
                {
                    "email": f"newsletter.{index + 1}@example.org",
                    "country_code": code,
                    "market_id": market.id,
                    "store_id": DTC_STORE["id"],
                },
            )
            self.phases[0 if index % 2 == 0 else 2].append(step)

    # -- stock and back in stock ---------------------------------------------------------------------------------

    def _stock(self) -> tuple[list[Entry], list[Entry]]:
        """Initial stock, and the back-in-stock subscriptions Engage holds (restocks are phase-3 steps)."""
        levels = {
            (product.sku(size), market.id): self.rng.randrange(3, 40)
            for product, size in ALL_SKUS
            for market in MARKETS
        }
        restock_1, restock_2, restock_2_only, never, *changed = [
            product.sku(size) for product, size in self.rng.sample(ALL_SKUS, 6)
        ]
        for sku, market_id in ((restock_1, 1), (restock_2, 2), (restock_2_only, 1), (restock_2_only, 2), (never, 1)):
            levels[sku, market_id] = 0
        members = (1, 2, self.quiet_seeded)
        subscriptions = [
            self._subscription(self.quiet_seeded, restock_1, 1, 0),
            self._subscription(1, restock_1, 1, 0),
            self._subscription(2, restock_2, 2, 0),
            self._subscription(self.quiet_seeded, restock_2, 2, 1),
            self._subscription(2, restock_2_only, 1, 0),  # stays: restocked in the other market only
            self._subscription(1, restock_2_only, 2, 0),
            self._subscription(members[0], never, 1, 0),  # stays: never restocked
        ]
        for sku, market_id in ((restock_1, 1), (restock_2, 2), (restock_2_only, 2)):
            self.phases[2].append(_set_stock(sku, market_id, self.rng.randrange(5, 25)))
        for sku in changed:
            market_id = self.rng.choice(MARKETS).id
            new_level = levels[sku, market_id] + self.rng.randrange(1, 10)
            self.phases[2].append(_set_stock(sku, market_id, new_level))
        stock = [
            {
                "productSize": {"SKU": sku},
                "warehouse": {"id": _warehouse(market_id)},
                "freeToAllocateQuantity": quantity,
            }
            for (sku, market_id), quantity in levels.items()
        ]
        return stock, subscriptions

    def _locales(self, market_id: int) -> list[str | None]:
        return list(self.cfg.back_in_stock.locales_by_market.get(str(market_id), [])) or [None]

    def _subscription(self, customer_id: int, sku: str, market_id: int, locale_index: int) -> Entry:
        locales = self._locales(market_id)
        locale = locales[locale_index % len(locales)] or ("sv-SE" if market_id == 1 else "en-GB")
        return {
            "email": self.people[customer_id].email,
            "contactType": self.cfg.contact_types.member,
            "sku": sku,
            "locale": locale,
            "externalId": str(market_id),
        }

    def _engage_members(self) -> list[Entry]:
        members = []
        accepts = {self.opted_out: False, self.unsubscribing: True}
        for customer_id in (1, 2, self.quiet_seeded, self.opted_out, self.unsubscribing):
            person = self.people[customer_id]
            preferences = {"preferences": {"acceptsEmail": accepts[customer_id]}} if customer_id in accepts else {}
            members.append(
                {
                    "contactType": self.cfg.contact_types.member,
                    "email": person.email,
                    "firstName": person.first_name,
                    "lastName": person.last_name,
                    "gender": "Female" if person.gender == "FEMALE" else "Male",
                    "mobilePhone": person.phone,
                    "countryCode": person.country_code,
                    **preferences,
                }
            )
        return members

    def _engage_stock_levels(self, stock: list[Entry]) -> list[Entry]:
        levels = []
        for entry in stock:
            market_id = MARKET_OF_WAREHOUSE[entry["warehouse"]["id"]]
            for locale in self._locales(market_id):
                level = {
                    "sku": entry["productSize"]["SKU"],
                    "quantity": entry["freeToAllocateQuantity"],
                    "externalId": str(market_id),
                }
                if locale:
                    level["locale"] = locale
                levels.append(level)
        return levels

    # -- assembly ------------------------------------------------------------------------------------------------

    def build(self) -> Scenario:
        self._make_customers()
        self._make_orders()
        self._customer_changes()
        stock, subscriptions = self._stock()
        # A member's subscription to a SKU restocked in phase 3 arrives through the storefront instead of the seed.
        storefront = (subscriptions.pop(1),)
        promotions = [{"id": assignment_id} for assignment_id in self.assignment_ids]
        shop = {
            "stores": [dict(DTC_STORE), dict(WHOLESALE_STORE)],
            "markets": [{"id": market.id, "name": market.name} for market in MARKETS],
            "warehouses": [dict(warehouse) for warehouse in WAREHOUSES],
            "customers": self.customers,
            "accounts": [
                {
                    "id": index + 1,
                    "name": name,
                    "createdAt": stamp(_PLACED_FROM - timedelta(days=400)),
                    "updatedAt": stamp(_PLACED_FROM - timedelta(days=400)),
                }
                for index, (name, _) in enumerate(WHOLESALE_ACCOUNTS)
            ],
            "newsletterSubscriptions": [],
            "orders": [],
            "stock": stock,
            "displays": displays(),
        }
        engage_seed = {
            "contacts": self._engage_members(),
            "promotions": promotions,
            "stock_levels": self._engage_stock_levels(stock),
            "back_in_stock_subscriptions": subscriptions,
        }
        cases = {name: tuple(sorted(set(numbers))) for name, numbers in sorted(self.cases.items())}
        return Scenario(
            shop,
            engage_seed,
            tuple(tuple(phase) for phase in self.phases),
            cases,
            storefront,
            CasePerson(self.opted_out, self.people[self.opted_out].email),
            CasePerson(self.unsubscribing, self.people[self.unsubscribing].email),
            CasePerson(self.moving, self.people[self.moving].email),
            self.new_email,
        )


def _tracking(number: int, delivery: int) -> str:
    return f"TRK-{number}-{delivery}"


def _ship(number: int, delivery: int, lines: dict[int, int] | None = None) -> Step:
    kwargs: dict[str, Any] = {"order_number": number, "tracking_number": _tracking(number, delivery)}
    if lines is not None:
        kwargs["lines"] = lines
    return Step("ship_order", kwargs)


def _return(number: int, order_lines: dict[int, int] | None, fee: float, comment: str) -> Step:
    kwargs: dict[str, Any] = {"shipment_number": f"{number}-1", "handling_fee": fee, "comment": comment}
    if order_lines is not None:
        kwargs["order_lines"] = order_lines
    return Step("register_return", kwargs)


def _warehouse(market_id: int) -> int:
    return next(market.warehouse_id for market in MARKETS if market.id == market_id)


def _set_stock(sku: str, market_id: int, quantity: int) -> Step:
    """Stock changes in the market's one warehouse (Centra keeps stock per warehouse)."""
    return Step("set_stock", {"sku": sku, "warehouse_id": _warehouse(market_id), "free_to_allocate": quantity})
