"""What the bridge sends for each Centra object, in order, assuming nothing was sent before."""

from decimal import Decimal
from typing import Any

import pytest

from engage_bridge.engage import paths
from engage_bridge.mapping import CONTACT_ID_PLACEHOLDER, EngageRequest, order_shipped, purchase_receipt
from engage_bridge.mapping.plan import plan
from tests.unit.mapping.builders import (
    MEMBER_ID,
    config,
    contact_id_attribute,
    customer,
    newsletter_subscription,
    order,
    order_document,
    stock_level,
)

PROMOTION = "5c0d52a2-3b1c-4f51-9a55-0f2a9e1b7c10"


def _body(request: EngageRequest) -> dict[str, Any]:
    body = request.body.body()
    assert isinstance(body, dict)
    return body


def _steps(requests: list[EngageRequest]) -> list[tuple[str, str, str | None]]:
    """(method, path, what) per request: the orderStatus of /orders, the contactType of /contacts."""
    steps: list[tuple[str, str, str | None]] = []
    for request in requests:
        body = request.body.body()
        what = body.get("orderStatus") or body.get("contactType") if isinstance(body, dict) else None
        steps.append((request.method, request.path, what))
    return steps


def test_order_plan_follows_the_order_lifecycle() -> None:
    requests = plan(order(), config())

    assert _steps(requests) == [
        ("POST", paths.CONTACTS, "member"),
        ("POST", paths.ORDERS, "ORDER_CREATED"),
        ("POST", paths.ORDERS, "ORDER_SHIPPED"),  # only the shipped shipment, not the pending one
        ("POST", paths.RECEIPTS, None),
        ("POST", paths.ORDERS, "ORDER_RETURNED"),
        ("POST", paths.RECEIPTS, None),
    ]
    assert requests[0].query == {"source": "ECOM", "storeExternalId": "brand.com"}


def test_receipts_go_to_members_only() -> None:
    cfg = config(contact_sync="registered")
    document = order_document()
    document["customer"]["registered"] = False

    steps = _steps(plan(order(document), cfg))

    assert ("POST", paths.CONTACTS, "transactionalContact") in steps
    assert all(path != paths.RECEIPTS for _, path, _ in steps)


def test_receipts_use_the_given_contact_id_or_the_documented_placeholder() -> None:
    receipts = [_body(r) for r in plan(order(), config(), MEMBER_ID) if r.path == paths.RECEIPTS]
    placeholder = [_body(r) for r in plan(order(), config()) if r.path == paths.RECEIPTS]

    assert {r["contact"]["matchKey"] for r in receipts} == {MEMBER_ID}
    assert {r["contact"]["matchKey"] for r in placeholder} == {CONTACT_ID_PLACEHOLDER}


def test_a_member_the_front_end_identified_is_updated_not_created() -> None:
    document = order_document()
    document["customer"]["attributes"] = contact_id_attribute()
    cfg = config(contact_sync="with_engage_id", customer_updates=True)

    requests = plan(order(document), cfg)

    assert (requests[0].method, requests[0].path) == ("PATCH", paths.contact(MEMBER_ID))
    assert all(r.path != paths.CONTACTS for r in requests)
    receipt = next(_body(r) for r in requests if r.path == paths.RECEIPTS)
    assert receipt["contact"] == {"matchKey": MEMBER_ID, "matchKeyType": "contactId"}


def test_a_subscribed_customer_also_becomes_a_newsletter_contact() -> None:
    document = order_document()
    document["customer"]["newsletter"] = True

    assert ("POST", paths.CONTACTS, "contact") in _steps(plan(order(document), config()))
    assert ("POST", paths.CONTACTS, "contact") not in _steps(
        plan(order(document), config(newsletter_subscribers=False))
    )


def test_a_cancelled_order_sends_only_the_cancellation() -> None:
    document = order_document()
    document["status"] = "CANCELLED"
    document["lines"][1].update(quantity=0, cancelledQuantity=1)

    requests = plan(order(document), config())

    assert _steps(requests)[1:] == [("POST", paths.ORDERS, "ORDER_CANCELLED")]
    assert [item["quantity"] for item in _body(requests[1])["items"]] == [2, 1]


def test_a_failed_payment_sends_its_email_and_nothing_after() -> None:
    document = order_document()
    document["paymentHistory"] = [{"id": 1, "status": "FAILED", "entryType": "AUTHORIZATION"}]

    requests = plan(order(document), config())

    assert _steps(requests)[1:] == [("POST", paths.ORDERS, "ORDER_CREATED")]
    assert _body(requests[1])["paymentStatus"] == "FAILED"


def test_a_pending_payment_is_reported_as_pending() -> None:
    document = order_document()
    document["paymentHistory"] = []

    created = _created_body(document)

    assert created["paymentStatus"] == "PENDING"


def _created_body(document: dict[str, Any]) -> dict[str, Any]:
    return next(_body(r) for r in plan(order(document), config()) if r.path == paths.ORDERS)


def test_without_transactional_emails_only_contacts_and_receipts_remain() -> None:
    steps = _steps(plan(order(), config(transactional_emails=False)))

    assert [path for _, path, _ in steps] == [paths.CONTACTS, paths.RECEIPTS, paths.RECEIPTS]


@pytest.mark.parametrize(("redeem_when", "after"), [("payment", paths.ORDERS), ("first_shipment", paths.RECEIPTS)])
def test_the_promotion_is_redeemed_once_at_the_brands_moment_when_payment_succeeded(
    redeem_when: str, after: str
) -> None:
    document = order_document()
    document["shipments"][1].update(isShipped=True, shippedAt="2024-05-05T10:00:00+02:00")
    document["attributes"] = [{"type": {"name": "voyado_promotion_id"}, "elements": [{"value": PROMOTION}]}]

    requests = plan(order(document), config(promotions={"redeem_when": redeem_when}))

    redemptions = [i for i, r in enumerate(requests) if r.path == paths.promotion_redeem(PROMOTION)]
    assert len(redemptions) == 1
    assert requests[redemptions[0] - 1].path == after
    assert requests[redemptions[0]].body.body() == {"redemptionChannel": "ECOM"}


def test_no_redemption_without_successful_payment() -> None:
    document = order_document()
    document["attributes"] = [{"type": {"name": "voyado_promotion_id"}, "elements": [{"value": PROMOTION}]}]
    document["paymentHistory"] = [{"id": 1, "status": "PENDING"}]

    assert all("redeem" not in r.path for r in plan(order(document), config()))


def test_order_fees_travel_with_the_first_shipment_only() -> None:
    document = order_document()
    document["shipments"][1].update(isShipped=True)
    shipped = order(document)

    first = order_shipped(shipped, shipped.shipments[0], config()).body()
    second = order_shipped(shipped, shipped.shipments[1], config()).body()

    assert first["freightFee"] == {"value": "49.00", "tax": "9.80"}
    assert second["freightFee"] == {"value": "0.00", "tax": "0.00"}
    assert first["totalGrossPrice"] == "209.00"  # 2 x 80.00 + 49.00


def test_freight_is_a_receipt_line_only_when_configured() -> None:
    shipped = order()

    without = purchase_receipt(shipped, shipped.shipments[0], config(), MEMBER_ID)
    with_freight = purchase_receipt(
        shipped, shipped.shipments[0], config(receipts={"include_freight": True}), MEMBER_ID
    )

    assert [item.sku for item in without.items] == ["A1-M"]
    assert [item.sku for item in with_freight.items] == ["A1-M", "freight"]
    assert with_freight.total_gross_price == Decimal("209.00")


def test_a_sale_line_lists_its_discount_and_flags_is_sale() -> None:
    shipped = order()

    item = purchase_receipt(shipped, shipped.shipments[0], config(), MEMBER_ID).body()["items"][0]

    assert item["discounts"] == [{"type": "Discount", "description": "Discount", "value": "-40.00"}]
    assert {"name": "isSale", "value": True} in item["extraData"]
    assert item["grossPaidPrice"] == "160.00"


def test_return_receipt_signs() -> None:
    receipts = [_body(r) for r in plan(order(), config()) if r.path == paths.RECEIPTS]
    body = next(receipt for receipt in receipts if receipt["uniqueReceiptId"].count("-") == 2)

    assert body["uniqueReceiptId"] == "500-1-9"
    assert body["totalGrossPrice"] == "-80.00"
    assert [(i["type"], i["quantity"], i["grossPaidPrice"]) for i in body["items"]] == [("return", -1, "80.00")]
    assert body["paymentMethods"] == [{"type": "Credit Card", "description": "N/A", "value": "-80.00"}]
    assert body["taxDetails"] == [{"description": "25%", "value": "16.00"}]
    assert body["createdDate"] == "2024-05-10T12:00:00+02:00"


def test_restricted_orders_plan_nothing() -> None:
    document = order_document()
    document["store"]["type"] = "WHOLESALE"

    assert plan(order(document), config()) == []


def test_customer_plan_creates_the_member_and_the_newsletter_contact() -> None:
    steps = _steps(plan(customer(), config(store_external_id="{country}")))

    assert steps == [("POST", paths.CONTACTS, "member"), ("POST", paths.CONTACTS, "contact")]


def test_a_customer_who_is_not_a_member_gets_no_contact_before_an_order() -> None:
    assert plan(customer(registered=False, newsletter=False), config(contact_sync="registered")) == []


def test_newsletter_subscription_plan_uses_default_market_for_the_store() -> None:
    requests = plan(newsletter_subscription(), config(store_external_id="{market}", default_market="Norway"))

    assert [(r.method, r.path, r.query["storeExternalId"]) for r in requests] == [("POST", paths.CONTACTS, "Norway")]
    assert plan(newsletter_subscription(), config(newsletter_subscribers=False)) == []


def test_stock_level_plan_sends_one_level_per_feed_locale() -> None:
    cfg = config(back_in_stock={"locales_by_market": {"2": ["nb-NO", "en-GB"]}})

    requests = plan(stock_level(quantity=-3), cfg)

    assert [(r.method, r.path) for r in requests] == [("PUT", paths.STOCK_LEVELS_BATCH)]
    assert requests[0].body.body() == [
        {"sku": "A1-M", "quantity": 0, "locale": "nb-NO", "externalId": "2"},
        {"sku": "A1-M", "quantity": 0, "locale": "en-GB", "externalId": "2"},
    ]
    assert plan(stock_level(market_id=9), cfg)[0].body.body() == [{"sku": "A1-M", "quantity": 5, "externalId": "9"}]
