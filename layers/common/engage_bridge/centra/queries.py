"""The GraphQL documents the Centra client sends, built from one fragment per object.

Every query that returns an order selects ``OrderFields``, every customer ``CustomerFields``, and so on, so an
order reads the same whether it came from ``order(number:)``, a shipment, a return or an event. The fragments
select exactly the keys the models in this package read (``docs/mapping.md``, "Input"): Centra's query cost
grows with every field and nested list, and a field the models ignore is cost for nothing.

Documents must validate against the Centra fake's ``schema.graphql``; ``tests/unit/centra/test_client_queries.py``
checks every document listed in ``ALL_DOCUMENTS``.
"""

import re
from collections.abc import Iterable
from typing import Final

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
  __typename id email firstName lastName birthdate gender phoneNumber registered newsletter
  billingAddress { ...AddressFields } attributes { ...AttributeFields }
}""",
    "OrderLineFields": """fragment OrderLineFields on OrderLine {
  id size productNumber productName productVariantName productExternalUrl quantity cancelledQuantity
  unitOriginalPrice { ...Money } unitPrice { ...Money } lineValue { ...Money } taxPercent
  productSize { SKU EAN } productVariant { id name media { source { url } } } category { name }
}""",
    "ShipmentFields": """fragment ShipmentFields on Shipment {
  id number createdAt shippedAt isShipped trackingNumber trackingUrl lines { id quantity orderLine { id } }
}""",
    "ReturnFields": """fragment ReturnFields on Return {
  id returnStatus createdAt lines { id quantity shipmentLine { id } }
  totals { shipping { ...Money } handling { ...Money } }
  refundPaymentHistory { ...PaymentEntryFields }
}""",
    "OrderFields": """fragment OrderFields on Order {
  __typename id number status createdAt
  store { id name type } market { id name } pricelist { id name } currencyBaseRate
  grandTotal { ...Money }
  totals { shipping { ...Money } handling { ...Money } taxDeducted { ...Money } }
  shippingPriceGroup { shippingOption { name } }
  paymentMethod { name uri plugin }
  paymentHistory { ...PaymentEntryFields }
  discountsApplied { value { ...Money } ... on AppliedVoucher { voucher { name code type } } }
  lines { ...OrderLineFields }
  billingAddress { ...AddressFields } shippingAddress { ...AddressFields }
  ... on DirectToConsumerOrder { customer { ...CustomerFields } }
  attributes { ...AttributeFields }
  shipments { ...ShipmentFields }
  returns { ...ReturnFields }
}""",
    "NewsletterSubscriptionFields": """fragment NewsletterSubscriptionFields on NewsletterSubscription {
  __typename id email subscribed createdAt country { name code } market { id name }
}""",
    "StockLevelFields": """fragment StockLevelFields on StockLevel {
  __typename productSize { SKU EAN } market { id name } freeToAllocateQuantity
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


ORDER: Final = with_fragments("query Order($number: Int!) { order(number: $number) { ...OrderFields } }")
SHIPMENT_ORDER: Final = with_fragments(
    "query ShipmentOrder($id: Int!) { shipment(id: $id) { order { ...OrderFields } } }"
)
RETURN_ORDER: Final = with_fragments("query ReturnOrder($id: Int!) { return(id: $id) { order { ...OrderFields } } }")
ORDERS_CREATED_BETWEEN: Final = with_fragments("""
query OrdersCreatedBetween($from: DateTimeTz!, $to: DateTimeTz!, $limit: Int!, $page: Int!) {
  orders(where: {createdAt: {from: $from, to: $to}}, sort: [number_ASC], limit: $limit, page: $page) {
    ...OrderFields
  }
}""")
ORDERS_UPDATED_BETWEEN: Final = with_fragments("""
query OrdersUpdatedBetween($from: DateTimeTz!, $to: DateTimeTz!, $limit: Int!, $page: Int!) {
  orders(where: {updatedAt: {from: $from, to: $to}}, sort: [number_ASC], limit: $limit, page: $page) {
    ...OrderFields
  }
}""")
CUSTOMER: Final = with_fragments("query Customer($id: Int!) { customer(id: $id) { ...CustomerFields } }")
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
STOCK_LEVELS: Final = with_fragments("""
query StockLevels($sku: String!, $limit: Int!, $page: Int!) {
  stock(where: {SKU: [$sku]}, limit: $limit, page: $page) { ...StockLevelFields }
}""")
SET_EVENT_LISTENERS: Final = with_fragments("""
mutation SetEventListeners($input: [EventListenerSetInput!]!) {
  setEventListeners(input: $input) {
    eventListeners { objectType changeTypes }
    userErrors { ...UserErrorFields }
    userWarnings { ...UserWarningFields }
  }
}""")
CONFIRM_EVENTS: Final = with_fragments("""
mutation ConfirmEvents($ids: [Int!]!) {
  confirmEvents(input: {eventsIds: $ids}) {
    events { id }
    userErrors { ...UserErrorFields }
    userWarnings { ...UserWarningFields }
  }
}""")

# An event's ``object`` is a union. Order.id is a String and Customer.id an Int, so one selection cannot hold
# both (Centra's docs: use aliases). Each kind of object gets its own alias of ``object``, holding only the
# fragment for that kind; shipments and returns are read through the order they belong to.
EVENT_OBJECT_ALIASES: Final[dict[str, str]] = {
    "Order": "order",
    "Shipment": "order",
    "Return": "order",
    "Customer": "customer",
    "NewsletterSubscription": "newsletterSubscription",
    "StockChange": "stockChange",
}
_ALIAS_SELECTIONS: Final[dict[str, str]] = {
    "order": "order: object { ... on Order { ...OrderFields } "
    "... on Shipment { order { ...OrderFields } } ... on Return { order { ...OrderFields } } }",
    "customer": "customer: object { ... on Customer { ...CustomerFields } }",
    "newsletterSubscription": "newsletterSubscription: object { ... on NewsletterSubscription "
    "{ ...NewsletterSubscriptionFields } }",
    "stockChange": "stockChange: object { ... on StockChange "
    "{ market { id name } lines { productSize { SKU EAN } freeToAllocateQuantity } } }",
}


def event_aliases(object_types: Iterable[str] | None) -> tuple[str, ...]:
    """The ``object`` aliases an events query needs for ``object_types`` (None: every kind the client reads)."""
    if object_types is None:
        return tuple(_ALIAS_SELECTIONS)
    wanted = {EVENT_OBJECT_ALIASES[kind] for kind in object_types if kind in EVENT_OBJECT_ALIASES}
    return tuple(alias for alias in _ALIAS_SELECTIONS if alias in wanted)


def events_document(object_types: Iterable[str] | None = None) -> str:
    """``events(where, limit)`` selecting the object of each requested type (only those, to keep cost down)."""
    objects = " ".join(_ALIAS_SELECTIONS[alias] for alias in event_aliases(object_types))
    return with_fragments(
        "query Events($where: EventFilter, $limit: Int!) "
        f"{{ events(where: $where, limit: $limit) {{ ...EventFields {objects} }} }}"
    )


EVENTS: Final = events_document()

ALL_DOCUMENTS: Final[dict[str, str]] = {
    "Order": ORDER,
    "ShipmentOrder": SHIPMENT_ORDER,
    "ReturnOrder": RETURN_ORDER,
    "OrdersCreatedBetween": ORDERS_CREATED_BETWEEN,
    "OrdersUpdatedBetween": ORDERS_UPDATED_BETWEEN,
    "Customer": CUSTOMER,
    "CustomersByEmail": CUSTOMERS_BY_EMAIL,
    "CustomersUpdatedBetween": CUSTOMERS_UPDATED_BETWEEN,
    "NewsletterSubscription": NEWSLETTER_SUBSCRIPTION,
    "StockLevels": STOCK_LEVELS,
    "SetEventListeners": SET_EVENT_LISTENERS,
    "ConfirmEvents": CONFIRM_EVENTS,
    "Events": EVENTS,
    **{f"Events[{kind}]": events_document([kind]) for kind in EVENT_OBJECT_ALIASES},
    "Events[]": events_document([]),
}
