"""The sandbox answers like Engage: raw HTTP against it, no bridge code involved."""

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from engage_bridge.engage import paths
from engage_bridge_tools.sandbox import EngageSandbox

pytestmark = pytest.mark.integration

SEED001 = Path(__file__).resolve().parents[2] / "golden" / "seed001"
ORDER_BODIES = ("order_confirmation", "shipping_confirmation", "return")
RECEIPT_BODIES = ("purchase_receipt", "return_receipt")


def _seed_body(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((SEED001 / f"{name}.json").read_text(encoding="utf-8"))
    return body


@pytest.fixture
def http(engage_sandbox: EngageSandbox) -> Iterator[httpx.Client]:
    headers = {"apikey": engage_sandbox.api_key, "Content-Type": "application/json", "User-Agent": "test/1"}
    with httpx.Client(base_url=engage_sandbox.base_url, headers=headers) as client:
        yield client


@pytest.mark.parametrize("name", ORDER_BODIES)
def test_seed001_orders_are_accepted_when_the_tenant_has_the_tags(http: httpx.Client, name: str) -> None:
    assert http.post(paths.ORDERS, json=_seed_body(name)).status_code == 202


def test_seed001_order_is_rejected_with_seed001s_envelope_when_no_tags_are_configured(
    http: httpx.Client, engage_sandbox: EngageSandbox
) -> None:
    engage_sandbox.set_tenant(order_statuses=[], payment_statuses=[])
    response = http.post(paths.ORDERS, json=_seed_body("order_confirmation"))
    assert response.status_code == 422
    assert response.json() == {
        "message": "Order is not valid",
        "validationErrors": [
            {
                "validationErrorCode": "InvalidOrderStatus",
                "field": "OrderStatus",
                "errorDescription": "Specified order status 'ORDER_CREATED' in request is not a valid status. "
                "Valid statuses are [].",
            },
            {
                "validationErrorCode": "InvalidPaymentStatus",
                "field": "PaymentStatus",
                "errorDescription": "Specified payment status 'SUCCESS' in request is not a valid status. "
                "Valid statuses are []",
            },
        ],
    }
    assert engage_sandbox.state()["automations"] == []


def test_orders_whose_totals_do_not_add_up_are_rejected(http: httpx.Client) -> None:
    body = _seed_body("return")
    body["totalGrossPrice"] = "29.00"  # ignores the -10.00 handling fee
    response = http.post(paths.ORDERS, json=body)
    assert response.status_code == 422
    assert response.json()["validationErrors"][0]["validationErrorCode"] == "InvalidTotalGrossPrice"


def test_every_accepted_order_triggers_an_automation_so_duplicates_show(
    http: httpx.Client, engage_sandbox: EngageSandbox
) -> None:
    body = _seed_body("order_confirmation")
    http.post(paths.ORDERS, json=body)
    http.post(paths.ORDERS, json=body)
    assert engage_sandbox.state()["automation_counts"] == [
        {"orderNumber": "2348981", "orderStatus": "ORDER_CREATED", "count": 2}
    ]


@pytest.mark.parametrize("name", RECEIPT_BODIES)
def test_seed001_receipts_are_accepted_and_stored_once(
    http: httpx.Client, engage_sandbox: EngageSandbox, name: str
) -> None:
    body = _seed_body(name)
    assert http.post(paths.RECEIPTS, json=body).status_code == 202
    assert http.post(paths.RECEIPTS, json=body).status_code == 202
    state = engage_sandbox.state()
    assert list(state["receipts"]) == [body["uniqueReceiptId"]]
    assert state["duplicate_receipts"] == [body["uniqueReceiptId"]]


def test_return_receipt_sign_rules(http: httpx.Client) -> None:
    body = _seed_body("return_receipt")
    body["items"][0]["quantity"] = 1
    body["totalGrossPrice"] = "2.00"
    response = http.post(paths.RECEIPTS, json=body)
    assert response.status_code == 400
    codes = {issue["validationErrorCode"] for issue in response.json()["validationErrors"]}
    assert codes == {"InvalidQuantity", "InvalidTotalGrossPrice"}


def test_receipt_without_required_fields_is_rejected(http: httpx.Client) -> None:
    body = _seed_body("purchase_receipt")
    del body["uniqueReceiptId"]
    body["createdDate"] = "2020-07-24T09:17:15"  # no offset
    response = http.post(paths.RECEIPTS, json=body)
    assert response.status_code == 400
    fields = {issue["field"] for issue in response.json()["validationErrors"]}
    assert fields == {"UniqueReceiptId", "CreatedDate"}


def test_wrong_key_is_401_and_missing_content_type_is_500(engage_sandbox: EngageSandbox) -> None:
    with httpx.Client(base_url=engage_sandbox.base_url) as raw:
        wrong = raw.get(paths.CONTACT_ID_LOOKUP, params={"email": "a@b.se"}, headers={"apikey": "nope"})
        no_type = raw.get(paths.CONTACT_ID_LOOKUP, params={"email": "a@b.se"}, headers={"apikey": "sandbox-api-key"})
    assert wrong.status_code == 401
    assert no_type.status_code == 500
    assert no_type.json() == {"message": "An error has occurred."}


def test_lookup_answers(http: httpx.Client, engage_sandbox: EngageSandbox) -> None:
    member = engage_sandbox.seed_contact("member", email="Ada@Example.com")
    newsletter = engage_sandbox.seed_contact("contact", email="ada@example.com")
    lookup = paths.CONTACT_ID_LOOKUP
    assert http.get(lookup, params={"email": "ada@example.com", "contactType": "member"}).json() == member
    both = http.get(lookup, params={"email": "ada@example.com"})
    assert both.status_code == 409
    assert set(both.json()["messageDetails"]["multipleMatchesFound"]) == {member, newsletter}
    assert http.get(lookup, params={"email": "nobody@example.com"}).json()["errorCode"] == "ContactNotFound"
    assert http.get(lookup, params={"email": "not-an-email"}).json()["errorCode"] == "InvalidEmailAddress"
    assert http.get(lookup, params={"mobilePhone": "0701"}).status_code == 400


def test_patch_writes_nulls_and_empty_strings_like_engage(http: httpx.Client, engage_sandbox: EngageSandbox) -> None:
    contact_id = engage_sandbox.seed_contact("member", email="a@b.se", firstName="Ada", lastName="Lovelace")
    response = http.patch(paths.contact(contact_id), json={"firstName": None, "lastName": "", "contactType": "x"})
    assert response.status_code == 200
    attributes = http.get(paths.contact(contact_id)).json()["attributes"]
    assert attributes == {"email": "a@b.se", "firstName": None, "lastName": ""}
    assert response.json()["meta"]["contactType"] == "member"  # PATCH cannot change the type


def test_create_needs_an_existing_contact_type_and_change_type_works(
    http: httpx.Client, engage_sandbox: EngageSandbox
) -> None:
    bad = http.post(paths.CONTACTS, json={"email": "a@b.se", "contactType": "vip"})
    assert bad.status_code == 400
    created = http.post(paths.CONTACTS, params={"source": "ECOM"}, json={"email": "a@b.se", "contactType": "contact"})
    assert created.status_code == 201
    contact_id = created.json()["id"]
    changed = http.post(paths.contact_type_change(contact_id), params={"contactTypeId": "member"})
    assert changed.json()["meta"]["contactType"] == "member"


def test_bulk_create_and_update_report_a_batch(http: httpx.Client) -> None:
    created = http.post(paths.CONTACTS_BULK, params={"contactType": "member"}, json=[{"email": "a@b.se"}, {}])
    status = http.get(paths.CONTACTS_BULK_STATUS, params={"batchId": created.json()}).json()
    assert (status["created"], status["failed"]) == (1, 1)
    updated = http.patch(paths.CONTACTS_BULK, params={"contactType": "member"}, json=[{"email": "a@b.se", "city": "X"}])
    assert http.get(paths.CONTACTS_BULK_STATUS, params={"batchId": updated.json()}).json()["updated"] == 1
    too_many = http.post(paths.CONTACTS_BULK, json=[{"email": f"c{i}@b.se"} for i in range(4001)])
    assert too_many.status_code == 400


def test_promotion_redeems_once(http: httpx.Client, engage_sandbox: EngageSandbox) -> None:
    assignment = engage_sandbox.seed_promotion("assignment-1")
    expired = engage_sandbox.seed_promotion(expired=True)
    body = {"redemptionChannel": "ECOM"}
    assert http.post(paths.promotion_redeem(assignment), json=body).status_code == 200
    again = http.post(paths.promotion_redeem(assignment), json=body)
    assert (again.status_code, again.json()["errorCode"]) == (409, "PromotionAlreadyRedeemed")
    assert http.post(paths.promotion_redeem("unknown"), json=body).status_code == 404
    assert http.post(paths.promotion_redeem(expired), json=body).json()["errorCode"] == "PromotionExpired"
    assert http.post(paths.promotion_redeem(expired), json={"redemptionChannel": "WEB"}).status_code == 400


def test_stock_rising_from_zero_notifies_and_uses_up_matching_subscriptions(
    http: httpx.Client, engage_sandbox: EngageSandbox
) -> None:
    contact_id = engage_sandbox.seed_contact("member", email="a@b.se")
    engage_sandbox.seed_stock_level("SKU-1", 0, locale="sv-SE", market="1")
    for locale in ("sv-SE", "en-GB"):
        body = {"contactId": contact_id, "sku": "SKU-1", "locale": locale, "externalId": "1"}
        assert http.post(paths.BACK_IN_STOCK_SUBSCRIPTIONS, json=body).status_code == 201
    level = {"sku": "SKU-1", "quantity": 4, "locale": "sv-SE", "externalId": "1"}
    assert http.put(paths.STOCK_LEVELS_BATCH, json=[level]).status_code == 202
    assert http.put(paths.STOCK_LEVELS_BATCH, json=[{**level, "quantity": 9}]).status_code == 202
    state = engage_sandbox.state()
    assert [(n["sku"], n["locale"]) for n in state["back_in_stock_notifications"]] == [("SKU-1", "sv-SE")]
    assert [s["locale"] for s in state["subscriptions"].values()] == ["en-GB"]
    unknown = {"contactId": "nobody", "sku": "SKU-1", "locale": "sv-SE"}
    assert http.post(paths.BACK_IN_STOCK_SUBSCRIPTIONS, json=unknown).status_code == 404


def test_rate_limit_per_key_answers_429(engage_sandbox: EngageSandbox, http: httpx.Client) -> None:
    engage_sandbox.app.rate_limit = 5
    statuses = [http.get(paths.contact("x")).status_code for _ in range(8)]
    assert statuses[:5] == [404] * 5
    assert 429 in statuses[5:]


def test_control_endpoints_seed_fault_inspect_and_reset(engage_sandbox: EngageSandbox, http: httpx.Client) -> None:
    seeded = http.post("/_sandbox/seed", json={"contacts": [{"email": "a@b.se", "contactType": "member"}]}).json()
    http.put("/_sandbox/faults", json={"script": [{"kind": "status", "status": 503, "path": "/api/v3/contacts"}]})
    assert http.get(paths.contact(seeded["contacts"][0])).status_code == 503
    assert http.get(paths.contact(seeded["contacts"][0])).status_code == 200
    state = http.get("/_sandbox/state").json()
    assert [entry["status"] for entry in state["requests"]] == [503, 200]
    assert [entry["fault"] for entry in state["requests"]] == ["status", None]
    assert http.post("/_sandbox/reset").status_code == 204
    assert http.get("/_sandbox/state").json()["contacts"] == {}


def test_cli_starts_the_sandbox_as_a_process() -> None:
    command = [sys.executable, "-m", "engage_bridge_tools.cli", "sandbox", "--port", "0", "--api-key", "k"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603 - fixed arguments
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base_url = line.split()[3]
        answer = httpx.get(
            f"{base_url}{paths.contact('x')}", headers={"apikey": "k", "Content-Type": "application/json"}
        )
        assert answer.status_code == 404
    finally:
        process.terminate()
        process.wait(timeout=10)
