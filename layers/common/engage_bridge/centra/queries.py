"""The GraphQL documents the Centra client sends, built from one fragment per object.

Every document names only what Centra publishes (``contract/centra/schema.graphql``) plus the assumed names in
``assumptions.graphql``, and ``tests/unit/centra/test_documents_on_contract.py`` validates each one in
``ALL_DOCUMENTS`` against exactly that. Single objects are read through the documented list filters
(``orders(where: {number: [n]})``, ``customers(where: {id: [...]})``, ``ShipmentFilter.orderId``), never through
root fields no source shows. The fragments select exactly the keys the models in this package read
(``docs/mapping.md``, "Input"): Centra's query cost grows with every field and nested list.
"""

import functools
import re
from typing import Final

from engage_bridge.centra.together import RefKind

_FRAGMENTS: Final[dict[str, str]] = {
    "Money": "fragment Money on MonetaryValue { value currency { code } }",
    "AddressFields": """fragment AddressFields on Address {
  firstName lastName address1 address2 city zipCode stateOrProvince country { name code }
  email phoneNumber cellPhoneNumber
}""",
    "AttributeFields": """fragment AttributeFields on Attribute {
  type { name } elements { key ... on AttributeStringElement { value } }
}""",
    "PaymentEntryFields": """fragment PaymentEntryFields on PaymentHistoryEntry {
  id createdAt status entryType value { ...Money }
}""",
    "CustomerFields": """fragment CustomerFields on Customer {
  __typename id email firstName lastName birthdate gender phoneNumber registered receiveNewsletters
  billingAddress { ...AddressFields } attributes { ...AttributeFields }
}""",
    "OrderLineFields": """fragment OrderLineFields on OrderLine {
  id size productNumber productName productVariantName productExternalUrl quantity cancelledQuantity
  unitOriginalPrice { ...Money } unitPrice { ...Money } lineValue { ...Money } taxPercent
  productSize { SKU EAN } productVariant { id name media { source { url } } } category { name }
}""",
    "ShipmentFields": """fragment ShipmentFields on Shipment {
  id number createdAt shippedAt isShipped trackingNumber lines { id quantity orderLine { id } }
}""",
    "ReturnFields": """fragment ReturnFields on Return {
  id returnStatus createdAt lines { id quantity shipmentLine { id } }
  totals { shipping { ...Money } handling { ...Money } }
  refundPaymentHistory { ...PaymentEntryFields }
}""",
    "OrderFields": """fragment OrderFields on Order {
  __typename id number status isOnHold createdAt
  store { id name type } market { id name } pricelist { id name } currencyBaseRate
  grandTotal { ...Money }
  totals { shipping { ...Money } handling { ...Money } taxDeducted { ...Money } }
  shippingPriceGroup { shippingOption { name } }
  paymentMethod { name uri plugin }
  paymentHistory { ...PaymentEntryFields }
  discountsApplied { value { ...Money } ... on AppliedVoucher { voucher { name code type } } }
  lines(includeFullyCancelled: true) { ...OrderLineFields }
  billingAddress { ...AddressFields } shippingAddress { ...AddressFields }
  ... on DirectToConsumerOrder { customer { ...CustomerFields } }
  attributes { ...AttributeFields }
  returns { ...ReturnFields }
}""",
    "NewsletterSubscriptionFields": """fragment NewsletterSubscriptionFields on NewsletterSubscription {
  __typename id email isActive createdAt country { name code } store { id name }
  productSize { SKU } productVariant { id }
}""",
    "EventFields": "fragment EventFields on Event { id objectType changeType objectReference createdAt "
    "store { id } market { id } }",
    "UserErrorFields": "fragment UserErrorFields on UserError { message path }",
    "UserWarningFields": "fragment UserWarningFields on UserWarning { message path }",
}
_SPREAD: Final = re.compile(r"\.\.\.([A-Za-z_][A-Za-z0-9_]*)")


def with_fragments(operation: str) -> str:
    """``operation`` followed by every fragment it spreads, directly or through other fragments, once each."""
    needed: list[str] = []
    pending = [operation]
    while pending:
        for name in _SPREAD.findall(pending.pop()):
            if name in _FRAGMENTS and name not in needed:
                needed.append(name)
                pending.append(_FRAGMENTS[name])
    return "\n".join([operation.strip(), *(_FRAGMENTS[name] for name in sorted(needed))])


ORDER: Final = with_fragments("""
query Order($number: Int!) { orders(where: {number: [$number]}, limit: 1) { ...OrderFields } }""")
# Shipments are read by ShipmentFilter.orderId (the order's hash id), for one order or a page of them at once.
ORDER_SHIPMENTS: Final = with_fragments("""
query OrderShipments($orderIds: [String!]!, $limit: Int!, $page: Int!) {
  shipments(where: {orderId: $orderIds}, limit: $limit, page: $page) { ...ShipmentFields order { id } }
}""")
# A shipment's or a return's order, read whole through its link (Shipment.order: DTC createShipment; Return.order:
# assumed), in the request that finds it: one request fewer than its number and then ORDER.
SHIPMENT_ORDER: Final = with_fragments("""
query ShipmentOrder($id: Int!) { shipments(where: {id: [$id]}, limit: 1) { order { ...OrderFields } } }""")
RETURN_ORDER: Final = with_fragments("""
query ReturnOrder($id: Int!) { returns(where: {id: [$id]}, limit: 1) { order { ...OrderFields } } }""")
# orderDate_ASC is the only order sort value a public source shows (DTC orderConnection); orderDate is createdAt.
ORDERS_CREATED_BETWEEN: Final = with_fragments("""
query OrdersCreatedBetween($from: DateTimeTz!, $to: DateTimeTz!, $limit: Int!, $page: Int!) {
  orders(where: {createdAt: {from: $from, to: $to}}, sort: [orderDate_ASC], limit: $limit, page: $page) {
    ...OrderFields
  }
}""")
ORDERS_UPDATED_BETWEEN: Final = with_fragments("""
query OrdersUpdatedBetween($from: DateTimeTz!, $to: DateTimeTz!, $limit: Int!, $page: Int!) {
  orders(where: {updatedAt: {from: $from, to: $to}}, sort: [orderDate_ASC], limit: $limit, page: $page) {
    ...OrderFields
  }
}""")
CUSTOMER: Final = with_fragments("""
query Customer($id: Int!) { customers(where: {id: [$id]}, limit: 1) { ...CustomerFields } }""")
# One request: the customer, and itself again only if Centra anonymised it (CustomerFilter.isAnonymized, the one
# evidenced mark of GDPR anonymisation; no readable Customer field is evidenced, centra-wave2.md §4).
CUSTOMER_AND_ANONYMISED: Final = with_fragments("""
query CustomerAndAnonymised($id: Int!) {
  customers(where: {id: [$id]}, limit: 1) { ...CustomerFields }
  anonymised: customers(where: {id: [$id], isAnonymized: true}, limit: 1) { id }
}""")
CUSTOMERS_BY_EMAIL: Final = with_fragments("""
query CustomersByEmail($email: String!, $limit: Int!, $page: Int!) {
  customers(where: {email: {equals: $email}}, limit: $limit, page: $page) { ...CustomerFields }
}""")
CUSTOMERS_UPDATED_BETWEEN: Final = with_fragments("""
query CustomersUpdatedBetween($from: DateTimeTz!, $to: DateTimeTz!, $limit: Int!, $page: Int!) {
  customers(where: {updatedAt: {from: $from, to: $to}}, limit: $limit, page: $page) { ...CustomerFields }
}""")
NEWSLETTER_SUBSCRIPTION: Final = with_fragments("""
query NewsletterSubscription($id: Int!) {
  newsletterSubscriptions(where: {id: [$id]}, limit: 1) { ...NewsletterSubscriptionFields }
}""")
# The router's reads of one invocation in one request: an aliased field per object (aliases are standard GraphQL,
# and Centra's events documentation asks for them to read several objects at once, EVT), each the single-object
# read above with its id in a variable of its own. ``ROUTER_OBJECTS`` in ``ALL_DOCUMENTS`` is one of each kind,
# validated on the contract with the others.
_OBJECT_FIELDS: Final[dict[RefKind, tuple[str, ...]]] = {
    "order": ("o{n}: orders(where: {{number: [$v{n}]}}, limit: 1) {{ ...OrderFields }}",),
    "shipment": ("s{n}: shipments(where: {{id: [$v{n}]}}, limit: 1) {{ order {{ ...OrderFields }} }}",),
    "return": ("r{n}: returns(where: {{id: [$v{n}]}}, limit: 1) {{ order {{ ...OrderFields }} }}",),
    "customer": (
        "c{n}: customers(where: {{id: [$v{n}]}}, limit: 1) {{ ...CustomerFields }}",
        "a{n}: customers(where: {{id: [$v{n}], isAnonymized: true}}, limit: 1) {{ id }}",
    ),
    "newsletter_subscription": (
        "n{n}: newsletterSubscriptions(where: {{id: [$v{n}]}}, limit: 1) {{ ...NewsletterSubscriptionFields }}",
    ),
}


def object_alias(kind: RefKind, n: int) -> str:
    """The alias of the ``n``-th object's field in ``objects_query`` (a customer's own; ``anonymised_alias`` the
    second)."""
    return _OBJECT_FIELDS[kind][0].split(":", 1)[0].format(n=n)


def anonymised_alias(n: int) -> str:
    return _OBJECT_FIELDS["customer"][1].split(":", 1)[0].format(n=n)


@functools.cache
def objects_query(kinds: tuple[RefKind, ...]) -> str:
    """``RouterObjects``: the ``n``-th of ``kinds`` read under ``object_alias(kind, n)``, its id in ``$v<n>``."""
    if not kinds:
        raise ValueError("no objects to read")
    variables = ", ".join(f"$v{n}: Int!" for n in range(len(kinds)))
    fields = "\n  ".join(field.format(n=n) for n, kind in enumerate(kinds) for field in _OBJECT_FIELDS[kind])
    return with_fragments(f"query RouterObjects({variables}) {{\n  {fields}\n}}")


ROUTER_OBJECTS: Final = objects_query(tuple(_OBJECT_FIELDS))
SET_EVENT_LISTENERS: Final = with_fragments("""
mutation SetEventListeners($input: [EventListenerSetInput!]!) {
  setEventListeners(input: $input) {
    eventListeners { objectType changeTypes }
    userErrors { ...UserErrorFields }
    userWarnings { ...UserWarningFields }
  }
}""")
# The mutation's name and arguments are an assumption (assumptions.graphql, Mutation.updateCustomer).
UPDATE_CUSTOMER_NEWSLETTER: Final = with_fragments("""
mutation UpdateCustomerNewsletter($id: Int!, $receiveNewsletters: Boolean!) {
  updateCustomer(id: $id, input: {receiveNewsletters: $receiveNewsletters}) {
    customer { id }
    userErrors { ...UserErrorFields }
    userWarnings { ...UserWarningFields }
  }
}""")
# The documented way to list what an integration name listens to (EVT); setEventListeners' payload is not.
EVENT_LISTENERS: Final = "query EventListeners { eventListeners { integrationName objectType changeTypes } }"
CONFIRM_EVENTS: Final = with_fragments("""
mutation ConfirmEvents($ids: [Int!]!) {
  confirmEvents(input: {eventsIds: $ids}) {
    events { id }
    userErrors { ...UserErrorFields }
    userWarnings { ...UserWarningFields }
  }
}""")
# The poll reads ids only: the router re-reads every object's current state, so an object in the poll would be
# query cost for nothing, and one unparseable object would fail the whole page.
EVENTS: Final = with_fragments("""
query Events($where: EventFilter, $limit: Int!) { events(where: $where, limit: $limit) { ...EventFields } }""")
# A StockChange's lines hold its SKUs (20 by default, so they are paged) and, per SKU, the free-to-allocate quantity
# in each warehouse ($warehouseIds: those of the configured markets); the router sums them per market.
STOCK_CHANGE_LINES: Final = """
query StockChangeLines($events: Int!, $lineLimit: Int!, $linePage: Int!, $warehouseIds: [Int!], $stockLimit: Int!) {
  events(where: {objectType: [StockChange]}, limit: $events) {
    id
    object {
      ... on StockChange {
        id
        lines(limit: $lineLimit, page: $linePage) {
          productSize { SKU stock(where: {warehouseId: $warehouseIds}, limit: $stockLimit) {
            warehouse { id } freeToAllocateQuantity
          } }
        }
      }
    }
  }
}""".strip()
# The product feed: one market's displays, each with its sizes (SKU, EAN, free-to-allocate per warehouse of the
# market), its prices in every pricelist, its first image and its translations (centra-wave2.md §5).
DISPLAYS_IN_MARKET: Final = with_fragments("""
query DisplaysInMarket($marketId: Int!, $warehouseIds: [Int!], $stockLimit: Int!, $imageSize: String!,
  $limit: Int!, $page: Int!) {
  displays(where: {marketId: [$marketId]}, limit: $limit, page: $page) {
    id name status uri description
    media { source(sizeName: $imageSize) { url } }
    prices { pricelist { id } price { ...Money } }
    translations { language { languageCode } fields { field value } }
    productVariants {
      id name
      productSizes { SKU EAN stock(where: {warehouseId: $warehouseIds}, limit: $stockLimit) {
        warehouse { id } freeToAllocateQuantity
      } }
    }
  }
}""")

ALL_DOCUMENTS: Final[dict[str, str]] = {
    "Order": ORDER,
    "OrderShipments": ORDER_SHIPMENTS,
    "ShipmentOrder": SHIPMENT_ORDER,
    "ReturnOrder": RETURN_ORDER,
    "OrdersCreatedBetween": ORDERS_CREATED_BETWEEN,
    "OrdersUpdatedBetween": ORDERS_UPDATED_BETWEEN,
    "Customer": CUSTOMER,
    "CustomerAndAnonymised": CUSTOMER_AND_ANONYMISED,
    "CustomersByEmail": CUSTOMERS_BY_EMAIL,
    "CustomersUpdatedBetween": CUSTOMERS_UPDATED_BETWEEN,
    "NewsletterSubscription": NEWSLETTER_SUBSCRIPTION,
    "RouterObjects": ROUTER_OBJECTS,
    "SetEventListeners": SET_EVENT_LISTENERS,
    "UpdateCustomerNewsletter": UPDATE_CUSTOMER_NEWSLETTER,
    "EventListeners": EVENT_LISTENERS,
    "ConfirmEvents": CONFIRM_EVENTS,
    "Events": EVENTS,
    "StockChangeLines": STOCK_CHANGE_LINES,
    "DisplaysInMarket": DISPLAYS_IN_MARKET,
}
