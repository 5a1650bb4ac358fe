"""The Engage requests Centra's built-in Voyado plugin makes for one order's life, derived from its documentation.

The plugin is a black box: its requests cannot be counted, only derived from what seeds 000 (Voyado's page on
the plugin) and 001 (Centra's "Voyado v2" documentation) state. Each rule below names the fact it rests on.
Where the documents imply a request without stating it, the request is listed as *possible* and left out of
the count, so the plugin's figure is a lower bound: the comparison never flatters the bridge.

Rules, for a customer who is an existing ``member`` in Engage:

1. Every transactional e-mail is one ``POST /api/v2/orders`` carrying the order status (001, "Transactional
   e-mails (/orders endpoint)": order confirmation, shipping confirmation and returns each have a request body).
2. Every transactional e-mail also re-sends all the customer's data, changed or not (001, "When is customer data
   updated?": "A transaction email for an order is sent"), when the customer is subscribed to the newsletter
   (001: data updates are sent "only for customers subscribed to the newsletter"). One update request each.
3. A member gets a purchase receipt per delivery (000: "sent ... once the order is completed ... and ready to be
   shipped"; 001: ``uniqueReceiptId`` "Order ID - delivery appendix") and a return receipt per refunded return
   (000; 001: "Order ID - delivery appendix - return ID"). One ``POST /api/v3/receipts`` each.

Possible, not counted: a contact lookup before each e-mail (000: the e-mail goes to "the already existing
contact", else Centra creates one: it must find out which), and a customer update when an order, shipment or
return is transferred (001 lists that trigger too, without saying whether an existing member is re-sent).
"""

from dataclasses import dataclass
from typing import Any

ORDERS = "POST /api/v2/orders"
CONTACT_UPDATE = "contact update (all customer data)"
CONTACT_LOOKUP = "GET /api/v3/contacts/id"
RECEIPTS = "POST /api/v3/receipts"


@dataclass(frozen=True)
class Lifecycle:
    """One order's life as the plugin sees it."""

    emails: tuple[str, ...] = ("ORDER_CREATED", "ORDER_SHIPPED", "ORDER_RETURNED")
    deliveries: int = 1
    refunded_returns: int = 1
    member: bool = True
    newsletter_subscriber: bool = True  # the premise: the plugin re-sends customer data with every e-mail


@dataclass(frozen=True)
class PluginRequest:
    step: str
    request: str
    rule: str


def counted_requests(lifecycle: Lifecycle) -> list[PluginRequest]:
    """The requests the documents state, in order."""
    requests: list[PluginRequest] = []
    for status in lifecycle.emails:
        requests.append(PluginRequest(status, ORDERS, "1: one /orders request per transactional e-mail"))
        if lifecycle.newsletter_subscriber:
            requests.append(PluginRequest(status, CONTACT_UPDATE, "2: customer data re-sent with every e-mail"))
        if lifecycle.member and status == "ORDER_SHIPPED":
            for delivery in range(1, lifecycle.deliveries + 1):
                requests.append(PluginRequest(status, RECEIPTS, f"3: purchase receipt for delivery {delivery}"))
        if lifecycle.member and status == "ORDER_RETURNED":
            for index in range(1, lifecycle.refunded_returns + 1):
                requests.append(PluginRequest(status, RECEIPTS, f"3: return receipt for return {index}"))
    return requests


def possible_requests(lifecycle: Lifecycle) -> list[PluginRequest]:
    """Requests the documents imply but do not state; left out of the count."""
    requests = [
        PluginRequest(status, CONTACT_LOOKUP, "is the contact already in Engage?") for status in lifecycle.emails
    ]
    if lifecycle.member and lifecycle.newsletter_subscriber:
        transfers = lifecycle.deliveries + lifecycle.refunded_returns
        requests += [PluginRequest("transfer", CONTACT_UPDATE, "customer data on a receipt transfer")] * transfers
    return requests


def derivation(lifecycle: Lifecycle | None = None) -> dict[str, Any]:
    """The plugin's count with its reasoning, for bench/results.json."""
    lifecycle = lifecycle or Lifecycle()
    counted = counted_requests(lifecycle)
    possible = possible_requests(lifecycle)
    by_request: dict[str, int] = {}
    for request in counted:
        by_request[request.request] = by_request.get(request.request, 0) + 1
    return {
        "lifecycle": {
            "emails": list(lifecycle.emails),
            "deliveries": lifecycle.deliveries,
            "refunded_returns": lifecycle.refunded_returns,
            "member": lifecycle.member,
            "newsletter_subscriber": lifecycle.newsletter_subscriber,
        },
        "requests": len(counted),
        "requests_at_most": len(counted) + len(possible),
        "by_request": by_request,
        "steps": [{"step": r.step, "request": r.request, "rule": r.rule} for r in counted],
        "not_counted": [{"step": r.step, "request": r.request, "why_possible": r.rule} for r in possible],
    }
