"""What the fake returns for a client-shaped query parses with the bridge's own Centra models."""

from typing import Any

import pytest

from engage_bridge.centra import Customer, NewsletterSubscription, Order, StockLevel, parse_centra_object
from engage_bridge_tools.centra_fake.fake import CentraFake
from tests.unit.centra.fake_support import data

MONEY = "{ value currency { code } }"
ADDRESS = (
    "{ firstName lastName address1 address2 city zipCode country { name code } email phoneNumber cellPhoneNumber }"
)
ATTRIBUTES = "attributes { type { name } elements { key ... on AttributeStringElement { value } } }"
CUSTOMER = f"""
  __typename id email firstName lastName birthdate gender phoneNumber registered newsletter
  billingAddress {ADDRESS} {ATTRIBUTES}
"""
# Every field the Order model reads, selected the way a client would.
ORDER = f"""
  __typename id number status createdAt
  store {{ id name type }} market {{ id name }} pricelist {{ id name }} currencyBaseRate
  grandTotal {MONEY}
  totals {{ shipping {MONEY} handling {MONEY} taxDeducted {MONEY} }}
  shippingPriceGroup {{ shippingOption {{ name }} }}
  paymentMethod {{ name uri plugin }}
  paymentHistory {{ id createdAt status entryType value {MONEY} }}
  discountsApplied {{ value {MONEY} ... on AppliedVoucher {{ voucher {{ name code type }} }} }}
  lines {{
    id size productNumber productName productVariantName productExternalUrl quantity cancelledQuantity
    unitOriginalPrice {MONEY} unitPrice {MONEY} lineValue {MONEY} taxPercent
    productSize {{ SKU EAN }} productVariant {{ id name media {{ source {{ url }} }} }} category {{ name }}
  }}
  billingAddress {ADDRESS} shippingAddress {ADDRESS}
  ... on DirectToConsumerOrder {{ customer {{ {CUSTOMER} }} }}
  {ATTRIBUTES}
  shipments {{
    id number createdAt shippedAt isShipped trackingNumber trackingUrl lines {{ id quantity orderLine {{ id }} }}
  }}
  returns {{
    id returnStatus createdAt lines {{ id quantity shipmentLine {{ id }} }}
    totals {{ shipping {MONEY} handling {MONEY} }}
    refundPaymentHistory {{ id createdAt status entryType value {MONEY} }}
  }}
"""


@pytest.fixture
def fake() -> CentraFake:
    return CentraFake.from_file()


def test_every_order_parses(fake: CentraFake) -> None:
    orders = data(fake, f"{{ orders(limit: 200) {{ {ORDER} }} }}")["orders"]

    parsed = [parse_centra_object(order) for order in orders]

    assert all(isinstance(order, Order) for order in parsed)
    assert {order.number for order in parsed if isinstance(order, Order)} == {1001, 1002, 1003, 1004, 1005}


def test_the_split_shipped_discounted_order_keeps_its_detail(fake: CentraFake) -> None:
    document = data(fake, f"{{ order(number: 1001) {{ {ORDER} }} }}")["order"]

    order = parse_centra_object(document)

    assert isinstance(order, Order)
    assert [shipment.number for shipment in order.shipments] == ["1001-1", "1001-2"]
    assert all(shipment.is_completed for shipment in order.shipments)
    assert order.returns[0].totals is not None and order.returns[0].totals.handling is not None
    assert order.returns[0].totals.handling.value < 0  # a fee the customer pays
    assert order.discounts_applied[0].voucher is not None
    assert order.discounts_applied[0].voucher.code == "SPRING20"
    assert order.customer is not None and order.customer.registered is True
    assert order.customer.attribute("voyado_contact_id") is not None


def test_orders_in_two_currencies_and_a_wholesale_order(fake: CentraFake) -> None:
    orders = data(fake, "{ orders(limit: 200) { __typename number grandTotal { currency { code } } } }")["orders"]

    assert {order["grandTotal"]["currency"]["code"] for order in orders} == {"SEK", "EUR"}
    assert {order["number"]: order["__typename"] for order in orders}[1004] == "WholesaleOrder"


def test_customers_parse_including_a_guest(fake: CentraFake) -> None:
    customers = data(fake, f"{{ customers(limit: 200) {{ {CUSTOMER} }} }}")["customers"]

    parsed = [parse_centra_object(customer) for customer in customers]

    assert all(isinstance(customer, Customer) for customer in parsed)
    assert {customer.registered for customer in parsed if isinstance(customer, Customer)} == {True, False}


def test_newsletter_subscriptions_parse_including_one_without_customer(fake: CentraFake) -> None:
    query = """{
      newsletterSubscriptions {
        __typename id email subscribed createdAt country { code } market { id } customer { id }
      }
    }"""
    subscriptions = data(fake, query)["newsletterSubscriptions"]

    parsed = [parse_centra_object(entry) for entry in subscriptions]

    assert all(isinstance(entry, NewsletterSubscription) for entry in parsed)
    assert any(entry["customer"] is None for entry in subscriptions)


def test_stock_levels_parse(fake: CentraFake) -> None:
    query = "{ stock(limit: 200) { __typename productSize { SKU } market { id } freeToAllocateQuantity } }"
    levels: list[dict[str, Any]] = data(fake, query)["stock"]

    parsed = [parse_centra_object(level) for level in levels]

    assert all(isinstance(level, StockLevel) for level in parsed)
    assert "BAG100-ONE@4" in {level.reference for level in parsed if isinstance(level, StockLevel)}


def test_event_objects_parse(fake: CentraFake) -> None:
    data(
        fake,
        "mutation { setEventListeners(input: [{objectType: Order}, {objectType: Customer}]) { userErrors { path } } }",
    )
    fake.ship_order(1002)
    fake.update_customer(2, {"firstName": "Benjamin"})

    order_events = data(
        fake, f"{{ events(where: {{objectType: [Order]}}) {{ object {{ ... on Order {{ {ORDER} }} }} }} }}"
    )
    customer_events = data(
        fake, f"{{ events(where: {{objectType: [Customer]}}) {{ object {{ ... on Customer {{ {CUSTOMER} }} }} }} }}"
    )

    orders = [parse_centra_object(event["object"]) for event in order_events["events"]]
    customers = [parse_centra_object(event["object"]) for event in customer_events["events"]]
    assert orders and all(isinstance(order, Order) and order.number == 1002 for order in orders)
    assert [customer.first_name for customer in customers if isinstance(customer, Customer)] == ["Benjamin"]


def test_mixing_types_without_aliases_fails_as_in_centra(fake: CentraFake) -> None:
    # Order.id is a String hash, Customer.id an Int: Centra's docs say to alias when mixing types.
    response = fake.execute("{ events { object { ... on Order { id } ... on Customer { id } } } }")

    assert "conflict" in response["errors"][0]["message"]
