"""The plugin's count follows the seeds' rules: /orders and a customer re-send per e-mail, receipts for members."""

from engage_bridge_tools.bench.plugin_requests import (
    CONTACT_LOOKUP,
    CONTACT_UPDATE,
    ORDERS,
    RECEIPTS,
    Lifecycle,
    counted_requests,
    derivation,
    possible_requests,
)


def test_confirmed_shipped_returned_for_a_subscribed_member_is_three_emails_three_resends_two_receipts() -> None:
    result = derivation(Lifecycle())

    assert result["by_request"] == {ORDERS: 3, CONTACT_UPDATE: 3, RECEIPTS: 2}
    assert result["requests"] == 8
    # 3 lookups before the e-mails and 2 re-sends on the receipt transfers are possible but not counted.
    assert result["requests_at_most"] == 13


def test_each_email_step_holds_its_order_request_then_the_customer_resend() -> None:
    steps = [(r.step, r.request) for r in counted_requests(Lifecycle(emails=("ORDER_CREATED",)))]

    assert steps == [("ORDER_CREATED", ORDERS), ("ORDER_CREATED", CONTACT_UPDATE)]


def test_a_customer_not_subscribed_to_the_newsletter_gets_no_resend() -> None:
    requests = counted_requests(Lifecycle(newsletter_subscriber=False))

    assert CONTACT_UPDATE not in {r.request for r in requests}
    assert len(requests) == 5


def test_a_transactional_contact_gets_emails_but_no_receipts() -> None:
    requests = counted_requests(Lifecycle(member=False))

    assert RECEIPTS not in {r.request for r in requests}
    assert len(requests) == 6


def test_a_split_shipment_sends_a_purchase_receipt_per_delivery() -> None:
    requests = counted_requests(Lifecycle(emails=("ORDER_CREATED", "ORDER_SHIPPED"), deliveries=2, refunded_returns=0))

    assert [r.request for r in requests].count(RECEIPTS) == 2


def test_possible_requests_are_a_lookup_per_email_and_a_resend_per_receipt_transfer() -> None:
    possible = possible_requests(Lifecycle())

    assert [r.request for r in possible].count(CONTACT_LOOKUP) == 3
    assert [r.request for r in possible].count(CONTACT_UPDATE) == 2
