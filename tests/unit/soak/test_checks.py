"""The soak's checks: each fails on the violation it is about, and names it without personal data."""

from typing import Any

from engage_bridge.config import OrderStatusTags, parse_config
from engage_bridge_tools.demo.scenario import Step
from engage_bridge_tools.local.dead_letters import DeadLetter
from engage_bridge_tools.soak import checks
from engage_bridge_tools.soak.plan import SOAK_TIMEOUTS, SoakPlan, soak_config_document
from engage_bridge_tools.soak.poison import Poison

POISONS = (
    Poison("refused order", Step("add_order", {}), "OrderStatusDLQ", "engage_validation", "order:90001:"),
    Poison("bad sign-up", Step("add_newsletter_subscription", {}), "ContactUpsertDLQ", "mapping_error", "contact:"),
)


def _letter(queue: str, reason: str, key: str | None) -> DeadLetter:
    return DeadLetter(queue=queue, reason=reason, business_key=key, detail=None, body="{}")


def test_the_dlqs_holding_each_poison_once_pass() -> None:
    letters = [
        _letter("OrderStatusDLQ", "engage_validation", "order:90001:email:created"),
        _letter("OrderStatusDLQ", "engage_validation", "order:90001:email:shipped:shipment:3"),  # another effect
        _letter("ContactUpsertDLQ", "mapping_error", "contact:newsletter:abc:def"),
    ]

    check = checks.dead_letters_are_the_poison(letters, POISONS)

    assert check.violations == []
    assert check.figures["messages"] == 3


def test_an_effect_dead_lettered_twice_is_a_violation() -> None:
    letters = [
        _letter("OrderStatusDLQ", "engage_validation", "order:90001:email:created"),
        _letter("OrderStatusDLQ", "engage_validation", "order:90001:email:created"),  # the poller's copy
        _letter("ContactUpsertDLQ", "mapping_error", "contact:newsletter:abc:def"),
    ]

    check = checks.dead_letters_are_the_poison(letters, POISONS)

    assert check.violations == ["order:90001:email:created dead-lettered 2 times in OrderStatusDLQ"]


def test_a_dead_letter_that_is_not_poison_or_a_missing_poison_is_a_violation() -> None:
    letters = [
        _letter("OrderStatusDLQ", "engage_validation", "order:90001:email:created"),
        _letter("OrderStatusDLQ", "max_receives_exceeded", "order:10005:email:shipped:shipment:7"),
        _letter("OrderStatusDLQ", "mapping_error", "order:90001:email:created"),  # right order, wrong reason
    ]

    check = checks.dead_letters_are_the_poison(letters, POISONS)

    assert check.violations == [
        "unexpected dead letter in OrderStatusDLQ: max_receives_exceeded (order:10005:email:shipped:shipment:7)",
        "unexpected dead letter in OrderStatusDLQ: mapping_error (order:90001:email:created)",
        "missing from ContactUpsertDLQ: bad sign-up (mapping_error)",
    ]


def test_an_update_writing_an_empty_value_is_a_blanked_field() -> None:
    state = {
        "requests": [
            {"seq": 1, "method": "PATCH", "path": "/api/v3/contacts/c1", "status": 200, "body": {"firstName": "A"}},
            {"seq": 2, "method": "PATCH", "path": "/api/v3/contacts/c1", "status": 200, "body": {"lastName": ""}},
            {"seq": 3, "method": "PATCH", "path": "/api/v3/contacts/c2", "status": 503, "body": {"city": None}},
            {"seq": 4, "method": "PATCH", "path": "/api/v3/contacts/bulk", "status": 202, "body": [{"a": {"b": None}}]},
        ],
        "contacts": {"c3": {"fields": {"email": "x", "mobilePhone": " "}}},
    }

    check = checks.no_field_blanked(state)

    assert check.violations == [
        "contact update at request 2: lastName written empty",
        "contact bulk update at request 4: a.b written empty",
        "contact c3: mobilePhone is empty",
    ]  # request 3 was refused (503): nothing was written
    assert check.figures["contact_updates"] == 3


def test_more_requests_sent_in_one_second_than_the_budget_is_a_violation() -> None:
    sent = [10.0 + i * 0.02 for i in range(41)]  # 41 within 0.82 s
    arrivals = [{"at": at} for at in sent]

    assert checks.within_budget(sent, arrivals, 40).violations == [
        "41 Engage requests left within one second; the budget is 40"
    ]
    assert checks.within_budget(sent, arrivals, 41).violations == []


def test_the_budget_is_checked_when_requests_leave_and_their_arrivals_are_shown_beside_it() -> None:
    sent = [10.0 + i * 0.06 for i in range(16)]  # 16 within 0.9 s
    arrivals = [{"at": at + (0.2 if i == 15 else 0.0)} for i, at in enumerate(sent)]  # the last held up 200 ms

    check = checks.within_budget(sent, arrivals, 15)

    assert check.violations == ["16 Engage requests left within one second; the budget is 15"]
    assert check.figures["peak_per_second"] == 16
    assert check.figures["peak_per_second_at_arrival"] == 15  # the last arrived too late to share a second
    assert checks.within_budget(sent[:15], arrivals, 15).violations == []


def test_the_soak_timeouts_make_a_held_back_answer_a_client_timeout() -> None:
    config = parse_config(soak_config_document())
    plan = SoakPlan()

    assert config.engage.timeouts.default == SOAK_TIMEOUTS["default"]
    assert plan.timeout_seconds > config.engage.timeouts.default
    assert plan.timeout_seconds > config.engage.timeouts.create_contact


TAGS = OrderStatusTags()


def _post(path: str, body: dict[str, object], status: int = 202) -> dict[str, object]:
    return {"method": "POST", "path": path, "status": status, "body": body}


def _email(order: str, status: str, tracking: str = "") -> dict[str, object]:
    return _post(
        "/api/v2/orders", {"orderNumber": order, "orderStatus": status, "extraData": {"trackingNumber": tracking}}
    )


def _receipt(receipt_id: str) -> dict[str, object]:
    return _post("/api/v3/receipts", {"uniqueReceiptId": receipt_id})


def test_an_order_whose_e_mails_and_receipts_came_in_lifecycle_order_has_no_inversion() -> None:
    requests = [
        _email("7", "ORDER_CREATED"),
        _email("7", "ORDER_SHIPPED", "T1"),
        _receipt("7-1"),
        _email("7", "ORDER_SHIPPED", "T2"),
        _email("7", "ORDER_RETURNED", "T1"),
        _receipt("7-1-30"),
    ]

    check = checks.lifecycle_in_order(requests, TAGS)

    assert check.violations == []
    assert check.figures == {"orders": 1, "emails": 4, "receipts": 2, "inversions": 0}


def test_each_kind_of_inversion_is_reported() -> None:
    requests = [
        _email("7", "ORDER_SHIPPED", "T1"),  # before the confirmation
        _email("7", "ORDER_CREATED"),
        _email("8", "ORDER_CREATED"),
        _email("8", "ORDER_SHIPPED", "T1"),
        _email("8", "ORDER_RETURNED", "T2"),  # its shipment's e-mail never came first
        _receipt("8-1-40"),  # before its purchase receipt
        _receipt("8-1"),
    ]

    check = checks.lifecycle_in_order(requests, TAGS)

    assert check.violations == [
        "order 7: a shipping e-mail before its confirmation",
        "order 8: a return e-mail before the shipping e-mail of its shipment",
        "receipt 8-1-40: return receipt before the purchase receipt 8-1",
    ]
    assert check.figures["inversions"] == 3


def test_what_engage_refused_is_no_delivery() -> None:
    requests = [_email("7", "ORDER_CREATED", "T1") | {"status": 400}, _email("7", "ORDER_SHIPPED", "T1")]

    assert checks.lifecycle_in_order(requests, TAGS).violations == [
        "order 7: a shipping e-mail before its confirmation"
    ]


OPTED_OUT = "opted.out@example.com"
CONTACTS: dict[str, Any] = {
    "m1": {"contactType": "member", "fields": {"email": OPTED_OUT, "preferences": {"acceptsEmail": False}}},
    "m2": {"contactType": "member", "fields": {"email": "someone@example.com", "preferences": {"acceptsEmail": True}}},
}


def _write(seq: int, method: str, path: str, body: object) -> dict[str, object]:
    return {"seq": seq, "method": method, "path": path, "status": 200, "body": body}


def test_writes_that_leave_the_opted_out_persons_consent_alone_pass() -> None:
    requests = [
        _write(1, "PATCH", "/api/v3/contacts/m1", {"lastName": "New"}),  # a name change carries no consent
        _write(2, "PATCH", "/api/v3/contacts/m1", {"preferences": {"acceptsEmail": False}}),  # a no always goes through
        _write(3, "POST", "/api/v3/contacts", {"email": "someone@example.com", "preferences": {"acceptsEmail": True}}),
        _write(4, "POST", "/api/v3/receipts", {"contact": {"id": "m1"}}),  # not a contact write
    ]

    check = checks.opted_out_never_subscribed(requests, CONTACTS, [OPTED_OUT], replayed=2)

    assert check.violations == []
    assert check.figures == {"people": 1, "replayed_messages": 2, "contact_writes": 2, "yes_written": 0}


def test_every_way_of_writing_a_yes_for_the_opted_out_person_is_a_violation() -> None:
    requests = [
        _write(1, "POST", "/api/v3/contacts", {"email": OPTED_OUT.upper(), "preferences": {"acceptsEmail": True}}),
        _write(2, "PATCH", "/api/v3/contacts/m1", {"acceptsEmail": True}),
        _write(3, "PATCH", "/api/v3/contacts/bulk", [{"id": "m1", "preferences": {"AcceptsEmail": True}}]),
        _write(4, "POST", "/api/v2/contacts/m1/preferences/acceptsEmail", {"value": True}),
        {**_write(5, "PATCH", "/api/v3/contacts/m1", {"acceptsEmail": True}), "status": 500},  # tried is enough
    ]
    newsletter = {"email": OPTED_OUT, "preferences": {"acceptsEmail": True}}
    contacts = {**CONTACTS, "n1": {"contactType": "contact", "fields": newsletter}}

    check = checks.opted_out_never_subscribed(requests, contacts, [OPTED_OUT])

    assert [v.split(":")[0] for v in check.violations] == [
        "request 1",
        "request 2",
        "request 3",
        "request 4",
        "request 5",
        "contact n1",
    ]
    assert all(OPTED_OUT not in violation.casefold() for violation in check.violations)


def test_a_preference_webhook_that_landed_everywhere_passes_and_each_missing_landing_is_named() -> None:
    update = {"customerId": 7, "input": {"receiveNewsletters": False}, "integration": "bridge"}

    landed = checks.preference_webhook_landed(200, "engage_webhook", [update], 7)
    lost = checks.preference_webhook_landed(None, None, [{**update, "customerId": 8}], 7)

    assert landed.violations == [] and landed.figures["centra_updates"] == 1
    assert lost.violations == [
        "the preference webhook was answered None",
        "no opt-out kept in the state table",
        "no receiveNewsletters false written to Centra customer 7",
    ]
