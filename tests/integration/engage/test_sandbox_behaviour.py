"""The sandbox answers like Engage: raw HTTP against it, no bridge code involved (paths written out as the
contract has them, so a bridge constant can never make a sandbox test pass)."""

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from engage_bridge_tools.sandbox import EngageSandbox

pytestmark = pytest.mark.integration

SEED001 = Path(__file__).resolve().parents[2] / "golden" / "seed001"
ORDER_BODIES = ("order_confirmation", "shipping_confirmation", "return")
RECEIPT_BODIES = ("purchase_receipt", "return_receipt")
ORDERS = "/api/v2/orders"
RECEIPTS = "/api/v3/receipts"
CONTACTS = "/api/v3/contacts"
LOOKUP = "/api/v3/contacts/id"
STOCK_LEVELS = "/api/v2/inventory/stock-levels/batch"
SUBSCRIPTIONS = "/api/v3/inventory/backinstock/subscriptions"
SEED_PHONE = "+467062241729"  # seed 001's billingTelephoneNumber: one digit too many for a Swedish mobile
VALID_PHONE = "+46701234567"


def _seed_body(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((SEED001 / f"{name}.json").read_text(encoding="utf-8"))
    return body


def _order(name: str) -> dict[str, Any]:
    """Seed 001's body with the language Voyado's field definitions make mandatory (the seed omits it)."""
    return {**_seed_body(name), "language": "sv-SE"}


def _receipt(name: str, contact_id: str) -> dict[str, Any]:
    body = _seed_body(name)
    body["contact"] = {"matchKey": contact_id, "matchKeyType": "contactId"}
    return body


@pytest.fixture
def http(engage_sandbox: EngageSandbox) -> Iterator[httpx.Client]:
    headers = {"apikey": engage_sandbox.api_key, "Content-Type": "application/json", "User-Agent": "test/1"}
    with httpx.Client(base_url=engage_sandbox.base_url, headers=headers) as client:
        yield client


# --- orders -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ORDER_BODIES)
def test_seed001_orders_are_accepted_with_a_language_when_the_tenant_has_the_tags(
    http: httpx.Client, name: str
) -> None:
    assert http.post(ORDERS, json=_order(name)).status_code == 202


def test_an_order_without_language_is_refused_as_voyado_documents_it_mandatory(http: httpx.Client) -> None:
    response = http.post(ORDERS, json=_seed_body("order_confirmation"))
    assert response.status_code == 422
    assert response.json()["validationErrors"] == [
        {"validationErrorCode": "Required", "field": "Language", "errorDescription": "'Language' is required."}
    ]


def test_seed001_order_is_rejected_with_seed001s_envelope_when_no_tags_are_configured(
    http: httpx.Client, engage_sandbox: EngageSandbox
) -> None:
    engage_sandbox.set_tenant(order_statuses=[], payment_statuses=[])
    response = http.post(ORDERS, json=_order("order_confirmation"))
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
    body = _order("return")
    body["totalGrossPrice"] = "29.00"  # ignores the -10.00 handling fee
    response = http.post(ORDERS, json=body)
    assert response.status_code == 422
    assert response.json()["validationErrors"][0]["validationErrorCode"] == "InvalidTotalGrossPrice"


def test_a_total_tax_that_does_not_add_up_is_rejected(http: httpx.Client) -> None:
    body = _order("return")  # item tax 5.03, handling fee tax -1.74
    assert http.post(ORDERS, json={**body, "totalTax": "3.29"}).status_code == 202
    response = http.post(ORDERS, json={**body, "totalTax": "5.03"})
    assert response.status_code == 422
    assert response.json()["validationErrors"][0]["validationErrorCode"] == "InvalidTotalTax"


def test_an_order_records_how_many_contacts_its_match_key_names(
    http: httpx.Client, engage_sandbox: EngageSandbox
) -> None:
    body = _order("order_confirmation")
    for contact_type in ("member", "contact"):
        engage_sandbox.seed_contact(contact_type, email=body["contact"]["matchKey"])
    assert http.post(ORDERS, json=body).status_code == 202
    assert engage_sandbox.state()["automations"][0]["contactsMatched"] == 2


def test_an_unknown_match_key_type_is_refused(http: httpx.Client) -> None:
    body = _order("order_confirmation")
    body["contact"]["matchKeyType"] = "mail"
    response = http.post(ORDERS, json=body)
    assert response.status_code == 422
    assert response.json()["validationErrors"][0]["field"] == "Contact.MatchKeyType"


def test_every_accepted_order_triggers_an_automation_so_duplicates_show(
    http: httpx.Client, engage_sandbox: EngageSandbox
) -> None:
    body = _order("order_confirmation")
    http.post(ORDERS, json=body)
    http.post(ORDERS, json=body)
    assert engage_sandbox.state()["automation_counts"] == [
        {"orderNumber": "2348981", "orderStatus": "ORDER_CREATED", "count": 2}
    ]


# --- receipts: accepted now, imported later -----------------------------------------------------------------------


@pytest.mark.parametrize("name", RECEIPT_BODIES)
def test_seed001_receipts_are_accepted_imported_at_the_next_tick_and_stored_once(
    http: httpx.Client, engage_sandbox: EngageSandbox, name: str
) -> None:
    member = engage_sandbox.seed_contact("member", email="a@b.se")
    body = _receipt(name, member)
    assert http.post(RECEIPTS, json=body).status_code == 202
    assert http.post(RECEIPTS, json=body).status_code == 202
    state = engage_sandbox.state()
    assert list(state["receipts"]) == [body["uniqueReceiptId"]]
    assert state["duplicate_receipts"] == [body["uniqueReceiptId"]]
    assert [(e["status"], e["messages"]) for e in state["integration_log"]] == [
        ("Imported", []),
        ("Ignored", ["Duplicate uniqueReceiptId"]),
    ]
    transactions = http.get(f"{CONTACTS}/{member}/transactions").json()
    assert [item["externalId"] for item in transactions["items"]] == [body["uniqueReceiptId"]]


def test_a_receipt_engage_cannot_import_is_still_202_and_fails_only_in_the_integration_log(
    http: httpx.Client, engage_sandbox: EngageSandbox
) -> None:
    body = _seed_body("purchase_receipt")  # seed 001's contact id does not exist in this tenant
    assert http.post(RECEIPTS, json=body).status_code == 202
    assert engage_sandbox.state()["receipts"] == {}
    assert http.get("/_sandbox/integration-log").json()[0] | {"at": None} == {
        "type": "Receipts",
        "uniqueReceiptId": "189-1",
        "status": "Failed",
        "messages": ["Contact is missing"],
        "at": None,
    }


def test_receipts_wait_in_the_queue_for_the_tenants_import_interval(
    http: httpx.Client, engage_sandbox: EngageSandbox
) -> None:
    engage_sandbox.set_tenant(receipt_import_seconds=900)  # Engage's default: every 15 minutes
    member = engage_sandbox.seed_contact("member", email="a@b.se")
    assert http.post(RECEIPTS, json=_receipt("purchase_receipt", member)).status_code == 202
    state = engage_sandbox.state()
    assert (state["receipts"], [q["uniqueReceiptId"] for q in state["receipt_queue"]]) == ({}, ["189-1"])
    assert http.get(f"{CONTACTS}/{member}/transactions").json()["totalCount"] == 0
    assert http.post("/_sandbox/receipts/import").json() == {"imported": 1}
    assert list(engage_sandbox.state()["receipts"]) == ["189-1"]


def test_return_receipt_sign_rules_fail_at_import(http: httpx.Client, engage_sandbox: EngageSandbox) -> None:
    body = _receipt("return_receipt", engage_sandbox.seed_contact("member", email="a@b.se"))
    body["items"][0]["quantity"] = 1
    body["totalGrossPrice"] = "2.00"
    assert http.post(RECEIPTS, json=body).status_code == 202
    [entry] = engage_sandbox.integration_log()
    assert entry["status"] == "Failed"
    assert entry["messages"] == ["A return line needs a negative quantity.", "A return has a negative total."]


def test_a_receipt_outside_the_contract_is_refused_at_once(http: httpx.Client) -> None:
    body = _seed_body("purchase_receipt")
    del body["uniqueReceiptId"]
    body["items"][0]["quantity"] = "one"
    response = http.post(RECEIPTS, json=body)
    assert response.status_code == 400
    fields = {issue["field"] for issue in response.json()["validationErrors"]}
    assert fields == {"UniqueReceiptId", "Items[0].Quantity"}


# --- every request ------------------------------------------------------------------------------------------------


def test_only_the_apikey_header_is_a_key_and_missing_content_type_is_500(engage_sandbox: EngageSandbox) -> None:
    key = engage_sandbox.api_key
    with httpx.Client(base_url=engage_sandbox.base_url) as raw:
        wrong = raw.get(LOOKUP, params={"email": "a@b.se"}, headers={"apikey": "nope"})
        other_header = raw.get(
            LOOKUP, params={"email": "a@b.se"}, headers={"x-api-key": key, "Content-Type": "application/json"}
        )
        no_type = raw.get(LOOKUP, params={"email": "a@b.se"}, headers={"apikey": key})
    assert wrong.status_code == 401
    assert other_header.status_code == 401
    assert no_type.status_code == 500
    assert no_type.json() == {"message": "An error has occurred."}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/api/v3/inventory/stock-levels/batch"),
        ("PUT", "/api/v3/inventory/stock-levels"),
        ("GET", "/api/v3/contacts/bulk/status"),
        ("GET", "/api/v3/contacts/c-1/backinstock/subscriptions"),
        ("DELETE", "/api/v3/inventory/backinstock/subscriptions/s-1"),
    ],
)
def test_paths_no_evidence_shows_are_404(http: httpx.Client, method: str, path: str) -> None:
    response = http.request(method, path, json=[])
    assert (response.status_code, response.json()["errorCode"]) == (404, "NotFound")


def test_rate_limit_answers_429_without_retry_after_unless_a_test_asks(
    engage_sandbox: EngageSandbox, http: httpx.Client
) -> None:
    engage_sandbox.app.rate_limit = 5
    answers = [http.get(f"{CONTACTS}/x") for _ in range(8)]
    assert [a.status_code for a in answers[:5]] == [404] * 5
    limited = [a for a in answers[5:] if a.status_code == 429]
    assert limited
    assert all("retry-after" not in a.headers for a in limited)
    engage_sandbox.app.rate_limit = None
    engage_sandbox.script_fault("rate_limit", path=CONTACTS, retry_after="2")
    assert http.get(f"{CONTACTS}/x").headers["retry-after"] == "2"


# --- contacts -----------------------------------------------------------------------------------------------------


def test_lookup_answers(http: httpx.Client, engage_sandbox: EngageSandbox) -> None:
    member = engage_sandbox.seed_contact("member", email="Ada@Example.com", mobilePhone=VALID_PHONE)
    newsletter = engage_sandbox.seed_contact("contact", email="ada@example.com")
    assert http.get(LOOKUP, params={"email": "ada@example.com", "contactType": "member"}).json() == member
    assert http.get(LOOKUP, params={"mobilePhone": "+46 70 123 45 67"}).json() == member
    both = http.get(LOOKUP, params={"email": "ada@example.com"})
    assert both.status_code == 409
    assert set(both.json()["messageDetails"]["multipleMatchesFound"]) == {member, newsletter}
    assert http.get(LOOKUP, params={"email": "nobody@example.com"}).json()["errorCode"] == "ContactNotFound"
    assert http.get(LOOKUP, params={"email": "not-an-email"}).json()["errorCode"] == "InvalidEmailAddress"
    for phone in ("0701", SEED_PHONE, "0701234567"):
        answer = http.get(LOOKUP, params={"mobilePhone": phone})
        assert (answer.status_code, answer.json()["errorCode"]) == (400, "InvalidPhoneNumber")


def test_contact_types_are_matched_exactly(http: httpx.Client) -> None:
    lookup = http.get(LOOKUP, params={"email": "a@b.se", "contactType": "Member"})
    assert (lookup.status_code, lookup.json()["errorCode"]) == (400, "InvalidContactType")
    create = http.post(CONTACTS, json={"email": "a@b.se", "contactType": "Member"})
    assert create.status_code == 422
    assert create.json()["validationErrors"][0]["validationErrorCode"] == "InvalidContactType"
    assert http.post(CONTACTS, json={"email": "a@b.se", "contactType": "member"}).status_code == 201


def test_a_phone_libphonenumber_refuses_is_422_on_create_and_patch_and_nothing_is_written(
    http: httpx.Client, engage_sandbox: EngageSandbox
) -> None:
    refused = http.post(CONTACTS, json={"email": "a@b.se", "contactType": "member", "mobilePhone": SEED_PHONE})
    assert refused.status_code == 422
    assert refused.json()["validationErrors"] == [
        {
            "validationErrorCode": "InvalidPhoneNumber",
            "field": "MobilePhone",
            "errorDescription": "The mobile phone number is not valid.",
        }
    ]
    assert engage_sandbox.state()["contacts"] == {}
    created = http.post(CONTACTS, json={"email": "a@b.se", "contactType": "member", "mobilePhone": VALID_PHONE})
    assert created.status_code == 201
    contact_id = created.json()["id"]
    assert http.patch(f"{CONTACTS}/{contact_id}", json={"mobilePhone": "0701234567"}).status_code == 422
    assert http.get(f"{CONTACTS}/{contact_id}").json()["attributes"]["mobilePhone"] == VALID_PHONE


def test_a_second_create_for_an_existing_key_is_409_and_recorded(
    http: httpx.Client, engage_sandbox: EngageSandbox
) -> None:
    body = {"email": "a@b.se", "contactType": "member"}
    first = http.post(CONTACTS, params={"source": "ECOM"}, json=body)
    second = http.post(CONTACTS, params={"source": "ECOM"}, json={**body, "email": "A@B.se"})
    assert first.status_code == 201
    assert (second.status_code, second.json()["errorCode"]) == (409, "ApprovedContactWithKeyExists")
    assert http.post(CONTACTS, json={**body, "contactType": "contact"}).status_code == 201  # another type
    state = engage_sandbox.state()
    assert len(state["contacts"]) == 2
    assert state["duplicate_creates"] == [
        {
            "contactType": "member",
            "keyAttribute": "email",
            "existingContactId": first.json()["id"],
            "code": "ApprovedContactWithKeyExists",
            "at": state["duplicate_creates"][0]["at"],
        }
    ]


def test_the_v2_swagger_answer_returns_the_existing_contact_as_a_tenant_option(
    http: httpx.Client, engage_sandbox: EngageSandbox
) -> None:
    engage_sandbox.set_tenant(existing_key_answer="existing_id")
    first = http.post(CONTACTS, json={"email": "a@b.se"})
    again = http.post(CONTACTS, json={"email": "a@b.se"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert len(engage_sandbox.state()["duplicate_creates"]) == 1


def test_a_create_while_the_brands_site_creates_the_same_key_is_409_being_created(
    http: httpx.Client, engage_sandbox: EngageSandbox
) -> None:
    engage_sandbox.create_elsewhere("member", seconds=0.3, email="a@b.se", firstName="Ada")
    racing = http.post(CONTACTS, json={"email": "a@b.se", "contactType": "member"})
    assert (racing.status_code, racing.json()["errorCode"]) == (409, "ContactWithKeyIsBeingCreated")
    assert http.get(LOOKUP, params={"email": "a@b.se"}).status_code == 404
    time.sleep(0.35)
    found = http.get(LOOKUP, params={"email": "a@b.se"})
    assert found.status_code == 200
    assert http.get(f"{CONTACTS}/{found.json()}").json()["meta"]["source"] == "elsewhere"
    assert [d["code"] for d in engage_sandbox.state()["duplicate_creates"]] == ["ContactWithKeyIsBeingCreated"]


def test_two_concurrent_creates_for_one_key_end_in_one_contact(engage_sandbox: EngageSandbox) -> None:
    engage_sandbox.set_tenant(create_seconds=0.3)
    headers = {"apikey": engage_sandbox.api_key, "Content-Type": "application/json"}
    statuses: list[int] = []

    def create() -> None:
        with httpx.Client(base_url=engage_sandbox.base_url, headers=headers) as client:
            statuses.append(client.post(CONTACTS, json={"email": "a@b.se"}).status_code)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409]
    assert len(engage_sandbox.state()["contacts"]) == 1


def test_engages_own_create_timeout_is_a_late_504_with_nothing_created(
    http: httpx.Client, engage_sandbox: EngageSandbox
) -> None:
    engage_sandbox.script_fault("create_timeout", method="POST", path=CONTACTS, seconds=0.3)
    started = time.monotonic()
    timed_out = http.post(CONTACTS, json={"email": "a@b.se"})
    assert time.monotonic() - started >= 0.3
    assert (timed_out.status_code, timed_out.json()["errorCode"]) == (504, "RequestTimeOut")
    assert engage_sandbox.state()["contacts"] == {}
    assert http.post(CONTACTS, json={"email": "a@b.se"}).status_code == 201  # the key is free again


def test_a_create_whose_answer_is_lost_still_created_the_contact(
    http: httpx.Client, engage_sandbox: EngageSandbox
) -> None:
    engage_sandbox.script_fault("drop_after_effect", method="POST", path=CONTACTS)
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(CONTACTS, json={"email": "a@b.se"})
    assert http.get(LOOKUP, params={"email": "a@b.se"}).status_code == 200
    again = http.post(CONTACTS, json={"email": "a@b.se"})  # a blind resend: Engage keeps one, the record shows it
    assert (again.status_code, again.json()["errorCode"]) == (409, "ApprovedContactWithKeyExists")
    assert len(engage_sandbox.state()["duplicate_creates"]) == 1


def test_patch_writes_nulls_and_empty_strings_like_engage(http: httpx.Client, engage_sandbox: EngageSandbox) -> None:
    contact_id = engage_sandbox.seed_contact("member", email="a@b.se", firstName="Ada", lastName="Lovelace")
    response = http.patch(f"{CONTACTS}/{contact_id}", json={"firstName": None, "lastName": "", "contactType": "x"})
    assert response.status_code == 200
    attributes = http.get(f"{CONTACTS}/{contact_id}").json()["attributes"]
    assert attributes == {"email": "a@b.se", "firstName": None, "lastName": ""}
    assert response.json()["meta"]["contactType"] == "member"  # PATCH cannot change the type


def test_change_type_needs_an_existing_type(http: httpx.Client) -> None:
    created = http.post(CONTACTS, params={"source": "ECOM"}, json={"email": "a@b.se", "contactType": "contact"})
    contact_id = created.json()["id"]
    path = f"{CONTACTS}/{contact_id}/updateContactType"
    assert http.post(path, params={"contactTypeId": "vip"}).status_code == 400
    assert http.post(path, params={"contactTypeId": "member"}).json()["meta"]["contactType"] == "member"


def test_read_only_views_overview_changes_and_consents(http: httpx.Client, engage_sandbox: EngageSandbox) -> None:
    engage_sandbox.set_tenant(consents=[{"id": "c1", "name": "Terms"}])
    contact_id = http.post(CONTACTS, json={"email": "a@b.se", "firstName": "Ada"}).json()["id"]
    overview = http.get("/api/v3/contactoverview", params={"contactType": "member", "email": "a@b.se"}).json()
    assert (overview["id"], overview["attributes"]["firstName"]) == (contact_id, "Ada")
    assert http.get("/api/v3/contactoverview").status_code == 400
    window = {"changeType": "Created", "fromDate": "2000-01-01 00:00:00.000"}
    assert http.get(f"{CONTACTS}/changes", params=window).json() == [contact_id]
    assert http.get(f"{CONTACTS}/changes", params={**window, "changeType": "Updated"}).json() == []
    assert http.get(f"{CONTACTS}/changes", params={"fromDate": "2000-01-01"}).status_code == 400
    assert http.get("/api/v3/consents").json() == [{"id": "c1", "name": "Terms"}]


def test_bulk_create_and_update_report_a_batch_on_the_v2_status_path(http: httpx.Client) -> None:
    status_path = "/api/v2/contacts/bulk/status"
    created = http.post(f"{CONTACTS}/bulk", params={"contactType": "member"}, json=[{"email": "a@b.se"}, {}])
    status = http.get(status_path, params={"batchId": created.json()}).json()
    assert (status["created"], status["failed"]) == (1, 1)
    updated = http.patch(f"{CONTACTS}/bulk", params={"contactType": "member"}, json=[{"email": "a@b.se", "city": "X"}])
    assert http.get(status_path, params={"batchId": updated.json()}).json()["updated"] == 1
    too_many = http.post(f"{CONTACTS}/bulk", json=[{"email": f"c{i}@b.se"} for i in range(4001)])
    assert too_many.status_code == 400


# --- promotions, stock, back in stock ------------------------------------------------------------------------------


def test_promotion_redeems_once(http: httpx.Client, engage_sandbox: EngageSandbox) -> None:
    assignment = engage_sandbox.seed_promotion("assignment-1")
    expired = engage_sandbox.seed_promotion(expired=True)
    body = {"redemptionChannel": "ECOM"}

    def redeem(assignment_id: str, payload: dict[str, str]) -> httpx.Response:
        return http.post(f"/api/v3/promotion-assignments/{assignment_id}/redeem", json=payload)

    assert redeem(assignment, body).status_code == 200
    again = redeem(assignment, body)
    assert (again.status_code, again.json()["errorCode"]) == (409, "PromotionAlreadyRedeemed")
    assert redeem("unknown", body).status_code == 404
    template = engage_sandbox.state()["promotions"][assignment]["promotionId"]
    assert redeem(template, body).json()["errorCode"] == "PromotionNotFound"  # the template id is no assignment
    assert redeem(expired, body).json()["errorCode"] == "PromotionExpired"
    wrong = redeem(expired, {"redemptionChannel": "WEB"})
    assert (wrong.status_code, wrong.json()["errorCode"]) == (400, "NotAValidRedemptionChannel")


def test_stock_rising_from_zero_notifies_and_uses_up_matching_subscriptions(
    http: httpx.Client, engage_sandbox: EngageSandbox
) -> None:
    contact_id = engage_sandbox.seed_contact("member", email="a@b.se")
    engage_sandbox.seed_stock_level("SKU-1", 0, locale="sv-SE", market="1")
    for locale in ("sv-SE", "en-GB"):
        body = {"contactId": contact_id, "sku": "SKU-1", "locale": locale, "externalId": "1"}
        assert http.post(SUBSCRIPTIONS, json=body).status_code == 201
    level = {"sku": "SKU-1", "quantity": 4, "locale": "sv-SE", "externalId": "1"}
    assert http.put(STOCK_LEVELS, json=[level]).status_code == 200
    assert http.put(STOCK_LEVELS, json=[{**level, "quantity": 9}]).status_code == 200
    assert http.put(STOCK_LEVELS, json=[{**level, "quantity": "9"}]).status_code == 400
    state = engage_sandbox.state()
    assert [(n["sku"], n["locale"]) for n in state["back_in_stock_notifications"]] == [("SKU-1", "sv-SE")]
    assert [s["locale"] for s in state["subscriptions"].values()] == ["en-GB"]
    listed = http.get(f"/api/v2/contacts/{contact_id}/backinstock/subscriptions").json()
    assert [s["locale"] for s in listed] == ["en-GB"]
    unknown = {"contactId": "nobody", "sku": "SKU-1", "locale": "sv-SE"}
    assert http.post(SUBSCRIPTIONS, json=unknown).status_code == 404


# --- control ------------------------------------------------------------------------------------------------------


def test_control_endpoints_seed_fault_inspect_and_reset(engage_sandbox: EngageSandbox, http: httpx.Client) -> None:
    seeded = http.post("/_sandbox/seed", json={"contacts": [{"email": "a@b.se", "contactType": "member"}]}).json()
    script = [{"kind": "status", "status": 404, "code": "ContactNotFound", "path": LOOKUP}]
    http.put("/_sandbox/faults", json={"script": script})
    missed = http.get(LOOKUP, params={"email": "a@b.se"})
    assert (missed.status_code, missed.json()["errorCode"]) == (404, "ContactNotFound")
    assert http.get(LOOKUP, params={"email": "a@b.se"}).json() == seeded["contacts"][0]
    state = http.get("/_sandbox/state").json()
    assert [entry["status"] for entry in state["requests"]] == [404, 200]
    assert [entry["fault"] for entry in state["requests"]] == ["status", None]
    assert http.post("/_sandbox/reset").status_code == 204
    assert http.get("/_sandbox/state").json()["contacts"] == {}
    assert http.post("/_sandbox/seed", json={"existing_key_answer": "maybe"}).status_code == 400


def test_cli_starts_the_sandbox_as_a_process() -> None:
    command = [sys.executable, "-m", "engage_bridge_tools.cli", "sandbox", "--port", "0", "--api-key", "k"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603 - fixed arguments
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base_url = line.split()[3]
        answer = httpx.get(f"{base_url}{CONTACTS}/x", headers={"apikey": "k", "Content-Type": "application/json"})
        assert answer.status_code == 404
    finally:
        process.terminate()
        process.wait(timeout=10)
