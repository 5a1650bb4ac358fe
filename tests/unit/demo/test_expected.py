"""The demo's check on a small hand-built shop: what it expects, and that it catches each kind of wrong effect."""

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from engage_bridge.config import BrandConfig
from engage_bridge.pii import fingerprint
from engage_bridge_tools.centra_fake.fake import CentraFake
from engage_bridge_tools.demo.catalogue import DTC_STORE, MARKETS, PRODUCTS, WHOLESALE_STORE
from engage_bridge_tools.demo.documents import OrderLineSpec, OrderSpec, Person, customer_entry, order_entry
from engage_bridge_tools.demo.expected import ExpectedEffects, compare, expected_effects, summarize
from engage_bridge_tools.demo.scenario import Scenario, Step, generate_scenario, load_demo_config

MEMBER = "ada@example.com"
GUEST = "bo@example.com"
WHOLESALER = "orders@shop.example"
NEWSLETTER = "news@example.org"
SWEDEN = MARKETS[0]
TEE, CAP = PRODUCTS[0], PRODUCTS[2]
PLACED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _person(email: str) -> Person:
    return Person("Ada", "Berg", "FEMALE", email, "+46701234567", "1990-01-02", "Storgatan 1", "Malmö", "21111",
                  "Sweden", "SE")  # fmt: skip


def _order(number: int, lines: tuple[OrderLineSpec, ...], person: Person, **extra: Any) -> dict[str, Any]:
    spec = OrderSpec(number=number, market=SWEDEN, placed=PLACED, lines=lines, person=person, **extra)
    return order_entry(spec, "voyado_promotion_id")


def _add(order: dict[str, Any]) -> Step:
    return Step("add_order", {"order": order})


@pytest.fixture(scope="module")
def cfg() -> BrandConfig:
    return load_demo_config()  # contact_sync registered, customer_updates on, Sweden -> sv-SE


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """Order 1: member, split in two shipments, one line returned with a fee. Order 2: guest, cancelled a phase
    later. Order 3: wholesale, shipped. Order 4: member, promotion, shipped. A newsletter-only sign-up. Stock:
    a subscribed SKU restocked."""
    member = customer_entry(1, _person(MEMBER), registered=True, newsletter=True, since=PLACED)
    guest = customer_entry(2, _person(GUEST), registered=False, newsletter=False, since=PLACED)
    shop = {
        "stores": [DTC_STORE, WHOLESALE_STORE],
        "markets": [{"id": 1, "name": "Sweden"}],
        "warehouses": [{"id": 101, "name": "Stockholm"}],
        "customers": [member, guest],
        "accounts": [{"id": 1, "name": "Shop AB"}],
        "stock": [
            {"productSize": {"SKU": "TEE100-S"}, "warehouse": {"id": 101}, "freeToAllocateQuantity": 0},
            {"productSize": {"SKU": "CAP300-ONE"}, "warehouse": {"id": 101}, "freeToAllocateQuantity": 4},
        ],
    }
    two_lines = (OrderLineSpec(1, TEE, "S", 1), OrderLineSpec(2, CAP, "ONE", 2))
    phases = (
        (
            _add(_order(1, two_lines, _person(MEMBER), customer_id=1)),
            _add(_order(2, (OrderLineSpec(3, TEE, "M", 1),), _person(GUEST), customer_id=2)),
            _add(_order(3, (OrderLineSpec(4, CAP, "ONE", 9),), _person(WHOLESALER), account_id=1)),
            _add(
                _order(
                    4,
                    (OrderLineSpec(5, CAP, "ONE", 1),),
                    _person(MEMBER),
                    customer_id=1,
                    promotion_assignment_id="assignment-4",
                )
            ),
            Step("add_newsletter_subscription", {"email": NEWSLETTER, "country_code": "SE", "market_id": 1}),
        ),
        (
            Step("ship_order", {"order_number": 1, "lines": {1: 1}, "tracking_number": "T-1-1"}),
            Step("create_shipment", {"order_number": 1, "tracking_number": "T-1-2"}),
            Step("cancel_order", {"order_number": 2}),
            Step("ship_order", {"order_number": 3, "tracking_number": "T-3-1"}),
            Step("ship_order", {"order_number": 4, "tracking_number": "T-4-1"}),
        ),
        (
            Step("complete_shipment", {"shipment_number": "1-2"}),
            Step("register_return", {"shipment_number": "1-2", "order_lines": {2: 1}, "handling_fee": 49.0}),
            Step("complete_return", {"order_number": 1}),
            Step("set_stock", {"sku": "TEE100-S", "warehouse_id": 101, "free_to_allocate": 6}),
        ),
    )
    engage_seed = {
        "contacts": [],
        "promotions": [{"id": "assignment-4"}, {"id": "assignment-unused"}],
        "stock_levels": [
            {"sku": "TEE100-S", "quantity": 0, "locale": "sv-SE", "externalId": "1"},
            {"sku": "CAP300-ONE", "quantity": 4, "locale": "sv-SE", "externalId": "1"},
        ],
        "back_in_stock_subscriptions": [
            {"email": MEMBER, "contactType": "member", "sku": "TEE100-S", "locale": "sv-SE", "externalId": "1"},
            {"email": MEMBER, "contactType": "member", "sku": "CAP300-ONE", "locale": "sv-SE", "externalId": "1"},
        ],
    }
    return Scenario(shop, engage_seed, phases)


@pytest.fixture(scope="module")
def final_shop(scenario: Scenario) -> dict[str, Any]:
    fake = CentraFake.from_document(copy.deepcopy(scenario.shop))
    for _, step in scenario.steps():
        getattr(fake, step.action)(**step.kwargs)
    return fake.snapshot()


@pytest.fixture(scope="module")
def expected(scenario: Scenario, final_shop: dict[str, Any], cfg: BrandConfig) -> ExpectedEffects:
    return expected_effects(scenario, final_shop, cfg)


def _return_id(final_shop: dict[str, Any]) -> int:
    order = next(o for o in final_shop["orders"] if o["number"] == 1)
    return int(order["returns"][0]["id"])


def test_the_expected_emails_follow_the_documented_rules(expected: ExpectedEffects) -> None:
    assert sorted(
        (number, status, payment, signature[:2]) for number, status, payment, signature in expected.emails
    ) == [
        ("1", "ORDER_CREATED", "SUCCESS", ()),
        ("1", "ORDER_RETURNED", "SUCCESS", ("return", "T-1-2")),
        ("1", "ORDER_SHIPPED", "SUCCESS", ("tracking", "T-1-1")),
        ("1", "ORDER_SHIPPED", "SUCCESS", ("tracking", "T-1-2")),
        ("2", "ORDER_CANCELLED", "SUCCESS", ()),
        ("2", "ORDER_CREATED", "SUCCESS", ()),  # seen open at the end of phase 1, cancelled in phase 2
        ("4", "ORDER_CREATED", "SUCCESS", ()),
        ("4", "ORDER_SHIPPED", "SUCCESS", ("tracking", "T-4-1")),
    ]
    assert set(expected.emails.values()) == {1}
    assert expected.restricted_orders == {"3"}


def test_receipts_redemptions_contacts_and_stock(expected: ExpectedEffects, final_shop: dict[str, Any]) -> None:
    assert set(expected.receipts) == {"1-1", "1-2", f"1-2-{_return_id(final_shop)}", "4-1"}  # guests get none
    assert expected.redeemed == {"assignment-4"} and expected.not_redeemed == {"assignment-unused"}
    assert set(expected.contacts) == {
        (fingerprint(MEMBER), "member"),
        (fingerprint(MEMBER), "contact"),  # newsletter flag on the customer
        (fingerprint(GUEST), "transactionalContact"),
        (fingerprint(NEWSLETTER), "contact"),
    }
    assert expected.contacts[fingerprint(MEMBER), "member"].names == ("Ada", "Berg")
    assert expected.stock_levels == {("TEE100-S", "sv-SE", "1"): 6, ("CAP300-ONE", "sv-SE", "1"): 4}
    assert list(expected.notifications) == [(fingerprint(MEMBER), "TEE100-S", "sv-SE", "1")]
    assert list(expected.subscriptions_left) == [(fingerprint(MEMBER), "CAP300-ONE", "sv-SE", "1")]
    assert expected.restricted_recipients == {fingerprint(WHOLESALER)}


def test_a_cancellation_in_the_same_phase_as_its_order_expects_no_confirmation(
    scenario: Scenario, cfg: BrandConfig
) -> None:
    phases = ((*scenario.phases[0], Step("cancel_order", {"order_number": 2})), *scenario.phases[1:])
    same_phase = Scenario(
        scenario.shop,
        scenario.engage_seed,
        (phases[0], tuple(s for s in phases[1] if s.action != "cancel_order"), phases[2]),
    )
    fake = CentraFake.from_document(copy.deepcopy(same_phase.shop))
    for _, step in same_phase.steps():
        getattr(fake, step.action)(**step.kwargs)

    emails = expected_effects(same_phase, fake.snapshot(), cfg).emails

    assert [status for number, status, _, _ in emails if number == "2"] == ["ORDER_CANCELLED"]


# -- a sandbox state as the bridge should leave it, built by hand ---------------------------------------------------


def _body(
    number: int, status: str, email: str, tracking: str = "", items: tuple[tuple[str, int], ...] = ()
) -> dict[str, Any]:
    return {
        "orderNumber": str(number),
        "orderStatus": status,
        "paymentStatus": "SUCCESS",
        "contact": {"matchKey": email, "matchKeyType": "email"},
        "extraData": {"trackingNumber": tracking},
        "items": [{"sku": sku, "quantity": quantity} for sku, quantity in items],
    }


def _contact(contact_id: str, contact_type: str, source: str = "ECOM", **fields: Any) -> dict[str, Any]:
    return {"id": contact_id, "contactType": contact_type, "fields": fields, "meta": {"source": source}, "patches": []}


@pytest.fixture
def correct_state(final_shop: dict[str, Any]) -> dict[str, Any]:
    return_id = _return_id(final_shop)
    bodies = [
        _body(1, "ORDER_CREATED", MEMBER),
        _body(1, "ORDER_SHIPPED", MEMBER, "T-1-1", (("TEE100-S", 1),)),
        _body(1, "ORDER_SHIPPED", MEMBER, "T-1-2", (("CAP300-ONE", 2),)),
        _body(1, "ORDER_RETURNED", MEMBER, "T-1-2", (("CAP300-ONE", 1),)),
        _body(2, "ORDER_CREATED", GUEST),
        _body(2, "ORDER_CANCELLED", GUEST),
        _body(4, "ORDER_CREATED", MEMBER),
        _body(4, "ORDER_SHIPPED", MEMBER, "T-4-1", (("CAP300-ONE", 1),)),
    ]
    member = {"matchKey": "m1", "matchKeyType": "contactId"}
    receipts = {
        receipt_id: {"uniqueReceiptId": receipt_id, "contact": member, "items": [{"type": kind}]}
        for receipt_id, kind in (
            ("1-1", "purchase"),
            ("1-2", "purchase"),
            (f"1-2-{return_id}", "return"),
            ("4-1", "purchase"),
        )
    }
    return {
        "orders": bodies,
        "automations": [{k: b[k] for k in ("orderNumber", "orderStatus", "paymentStatus")} for b in bodies],
        "receipts": receipts,
        "duplicate_receipts": [],
        "contacts": {
            "m1": _contact("m1", "member", email=MEMBER, firstName="Ada", lastName="Berg", countryCode="SE"),
            "n1": _contact("n1", "contact", email=MEMBER, countryCode="SE", preferences={"acceptsEmail": True}),
            "t1": _contact("t1", "transactionalContact", email=GUEST, countryCode="SE"),
            "n2": _contact("n2", "contact", email=NEWSLETTER, countryCode="SE", preferences={"acceptsEmail": True}),
        },
        "promotions": {
            "assignment-4": {"id": "assignment-4", "redeemed": True, "redeemedVia": "ECOM"},
            "assignment-unused": {"id": "assignment-unused", "redeemed": False, "redeemedVia": None},
        },
        "stock_levels": {
            "TEE100-S|sv-SE|1": {"sku": "TEE100-S", "locale": "sv-SE", "externalId": "1", "quantity": 6},
            "CAP300-ONE|sv-SE|1": {"sku": "CAP300-ONE", "locale": "sv-SE", "externalId": "1", "quantity": 4},
        },
        "subscriptions": {
            "s2": {"id": "s2", "contactId": "m1", "sku": "CAP300-ONE", "locale": "sv-SE", "externalId": "1"}
        },
        "back_in_stock_notifications": [
            {"id": "s1", "contactId": "m1", "sku": "TEE100-S", "locale": "sv-SE", "externalId": "1"}
        ],
        "requests": [],
    }


def test_the_state_the_rules_imply_has_no_difference(expected: ExpectedEffects, correct_state: dict[str, Any]) -> None:
    assert compare(expected, correct_state) == []


def _differences(expected: ExpectedEffects, state: dict[str, Any]) -> list[str]:
    found = [str(difference) for difference in compare(expected, state)]
    assert all("@" not in line for line in found)  # addresses appear as fingerprints only
    return found


def test_a_missing_email_is_a_difference(expected: ExpectedEffects, correct_state: dict[str, Any]) -> None:
    del correct_state["orders"][2]  # the second shipment's e-mail

    assert _differences(expected, correct_state) == [
        "email: order 1 ORDER_SHIPPED (SUCCESS) shipment 1-2: expected once, got none"
    ]


def test_a_repeated_shipping_email_is_a_difference(expected: ExpectedEffects, correct_state: dict[str, Any]) -> None:
    correct_state["orders"].append(copy.deepcopy(correct_state["orders"][1]))

    assert _differences(expected, correct_state) == [
        "email: order 1 ORDER_SHIPPED (SUCCESS) shipment 1-1: expected once, got 2 times"
    ]


def test_one_email_for_two_shipments_is_a_difference(expected: ExpectedEffects, correct_state: dict[str, Any]) -> None:
    correct_state["orders"][2] = copy.deepcopy(correct_state["orders"][1])  # split shipment mailed as the first twice

    assert _differences(expected, correct_state) == [
        "email: order 1 ORDER_SHIPPED (SUCCESS) shipment 1-1: expected once, got 2 times",
        "email: order 1 ORDER_SHIPPED (SUCCESS) shipment 1-2: expected once, got none",
    ]


def test_a_missing_receipt_is_a_difference(expected: ExpectedEffects, correct_state: dict[str, Any]) -> None:
    del correct_state["receipts"]["1-2"]

    assert _differences(expected, correct_state) == [
        "receipt: order 1 purchase receipt 1-2 (shipment 1-2): expected registered, got missing"
    ]


def test_extra_effects_are_differences(expected: ExpectedEffects, correct_state: dict[str, Any]) -> None:
    correct_state["orders"].append(_body(4, "ORDER_RETURNED", MEMBER, "T-4-1", (("CAP300-ONE", 1),)))
    correct_state["receipts"]["4-2"] = {"uniqueReceiptId": "4-2", "contact": {"matchKey": "m1"}, "items": []}
    correct_state["contacts"]["x"] = _contact("x", "member", email=GUEST, firstName="Bo")
    correct_state["promotions"]["assignment-unused"]["redeemed"] = True

    assert _differences(expected, correct_state) == [
        f"contact: member email:{fingerprint(GUEST)}: expected none, got once",
        "email: order 4 ORDER_RETURNED (SUCCESS) return of {'CAP300-ONE': 1} (tracking T-4-1): expected none, got once",
        "receipt: order 4 receipt 4-2: expected none, got registered",
        "redemption: assignment assignment-unused: expected not redeemed, got redeemed",
    ]


def test_any_effect_of_a_wholesale_order_is_a_difference(
    expected: ExpectedEffects, correct_state: dict[str, Any]
) -> None:
    correct_state["orders"].append(_body(3, "ORDER_CREATED", WHOLESALER))
    correct_state["receipts"]["3-1"] = {"uniqueReceiptId": "3-1", "contact": {"matchKey": "w"}, "items": []}
    correct_state["contacts"]["w"] = _contact("w", "transactionalContact", email=WHOLESALER, countryCode="SE")

    assert _differences(expected, correct_state) == [
        "wholesale: order 3 ORDER_CREATED (SUCCESS): expected none, got once",
        "wholesale: order 3 receipt 3-1: expected none, got registered",
        f"wholesale: transactionalContact email:{fingerprint(WHOLESALER)}: expected none, got once",
    ]


def test_contacts_must_exist_once_without_blank_fields_and_with_current_names(
    expected: ExpectedEffects, correct_state: dict[str, Any]
) -> None:
    contacts = correct_state["contacts"]
    contacts["m2"] = copy.deepcopy(contacts["m1"]) | {"id": "m2"}
    contacts["m1"]["fields"]["lastName"] = "Old"
    contacts["t1"]["fields"]["gender"] = None
    contacts["n2"]["fields"]["preferences"] = {"acceptsEmail": False}
    del contacts["n1"]
    member, newsletter = f"member email:{fingerprint(MEMBER)}", f"contact email:{fingerprint(MEMBER)}"

    assert sorted(_differences(expected, correct_state)) == sorted(
        [
            f"contact: contact email:{fingerprint(NEWSLETTER)}: expected preferences.acceptsEmail True, got False",
            f"contact: {newsletter}: expected once, got none",
            f"contact: {member}: expected lastName as in Centra, got a different lastName",
            f"contact: {member}: expected once, got 2 times",
            f"contact: transactionalContact email:{fingerprint(GUEST)}: expected no blank field, got gender blank",
        ]
    )


def test_a_second_create_engage_refused_is_a_difference(
    expected: ExpectedEffects, correct_state: dict[str, Any]
) -> None:
    correct_state["duplicate_creates"] = [
        {
            "contactType": "member",
            "keyAttribute": "email",
            "existingContactId": "m1",
            "code": "ApprovedContactWithKeyExists",
        }
    ]

    assert _differences(expected, correct_state) == [
        f"contact: member email:{fingerprint(MEMBER)}: expected created once, "
        "got a second create (ApprovedContactWithKeyExists)"
    ]


def test_a_receipt_on_the_wrong_contact_is_a_difference(
    expected: ExpectedEffects, correct_state: dict[str, Any]
) -> None:
    correct_state["receipts"]["4-1"]["contact"] = {"matchKey": "t1", "matchKeyType": "contactId"}

    assert _differences(expected, correct_state) == [
        f"receipt: order 4 purchase receipt 4-1 (shipment 4-1): expected on member email:{fingerprint(MEMBER)}, "
        f"got transactionalContact email:{fingerprint(GUEST)}"
    ]


def test_stock_and_back_in_stock_differences(expected: ExpectedEffects, correct_state: dict[str, Any]) -> None:
    correct_state["stock_levels"]["TEE100-S|sv-SE|1"]["quantity"] = 0
    correct_state["subscriptions"]["s1"] = correct_state["back_in_stock_notifications"].pop() | {"id": "s1"}
    member = f"email:{fingerprint(MEMBER)}"

    assert _differences(expected, correct_state) == [
        f"back_in_stock: notification TEE100-S locale sv-SE market 1 for {member}: expected once, got none",
        f"back_in_stock: subscription left TEE100-S locale sv-SE market 1 for {member}: expected none, got once",
        "stock_level: TEE100-S locale sv-SE market 1: expected 6, got 0",
    ]


def test_an_unredeemed_promotion_and_an_email_to_the_wrong_address(
    expected: ExpectedEffects, correct_state: dict[str, Any]
) -> None:
    correct_state["promotions"]["assignment-4"].update(redeemed=False, redeemedVia=None)
    correct_state["orders"][6]["contact"]["matchKey"] = GUEST

    assert _differences(expected, correct_state) == [
        f"email: order 4 ORDER_CREATED: expected to email:{fingerprint(MEMBER)}, got email:{fingerprint(GUEST)}",
        "redemption: assignment assignment-4: expected redeemed via ECOM, got not redeemed",
    ]


def test_the_summary_counts_effects_by_kind(correct_state: dict[str, Any]) -> None:
    correct_state["contacts"]["m1"]["patches"] = [["lastName"]]
    correct_state["contacts"]["seeded"] = _contact("seeded", "member", source="sandbox", email="s@example.com")
    correct_state["duplicate_receipts"] = ["1-1"]

    summary = summarize(correct_state)

    assert summary["contacts"] == {
        "created": 4,
        "created_by_type": {"contact": 2, "member": 1, "transactionalContact": 1},
        "updated": 1,
        "field_updates": 1,
        "second_creates_refused": 0,
    }
    assert summary["emails"] == {
        "ORDER_CANCELLED": {"SUCCESS": 1},
        "ORDER_CREATED": {"SUCCESS": 3},
        "ORDER_RETURNED": {"SUCCESS": 1},
        "ORDER_SHIPPED": {"SUCCESS": 3},
    }
    assert summary["receipts"] == {
        "purchase": 3,
        "return": 1,
        "repeats_ignored": 1,
        "waiting_for_import": 0,
        "import_failures": 0,
    }
    assert summary["redemptions"] == 1
    assert summary["back_in_stock"] == {"notifications": 1, "subscriptions_left": 1}
    assert summary["stock_levels"]["levels"] == 2


def test_the_expectation_follows_the_configuration(
    scenario: Scenario, final_shop: dict[str, Any], cfg: BrandConfig
) -> None:
    everyone = expected_effects(scenario, final_shop, cfg.model_copy(update={"contact_sync": "all"}))
    no_emails = expected_effects(scenario, final_shop, cfg.model_copy(update={"transactional_emails": False}))

    assert (fingerprint(GUEST), "member") in everyone.contacts
    assert (fingerprint(GUEST), "transactionalContact") not in everyone.contacts
    assert not no_emails.emails
    assert {contact_type for _, contact_type in no_emails.contacts} == {"member", "contact"}
    assert set(no_emails.receipts) == set(everyone.receipts)  # receipts do not depend on e-mails


def test_a_subscribed_customer_who_opted_out_in_engage_is_expected_to_keep_the_no() -> None:
    config = load_demo_config()
    scenario = generate_scenario(20, 1, config=config)
    assert scenario.opted_out is not None
    shop = dict(scenario.shop)
    fp = fingerprint(scenario.opted_out.email)

    expected = expected_effects(scenario, shop, config)

    member = expected.contacts[(fp, config.contact_types.member)]
    newsletter = expected.contacts.get((fp, config.contact_types.newsletter))
    assert member.accepts_email is False
    assert newsletter is None or (newsletter.optional and newsletter.accepts_email is None)
