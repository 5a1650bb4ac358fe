"""A generated shop history for the Centra fake: many customers, each with an old, shipped, partly returned order.

Built from the sample shop's order 1001 (two shipments, a completed return) and customer 1, renumbered. Every
order paid successfully and carries a promotion assignment id, so live traffic would e-mail and redeem for it:
exactly what a backfill must not do. Every customer is registered (a member under ``contact_sync: registered``);
every second one has opted in to the newsletter.
"""

import copy
import json
from datetime import datetime, timedelta
from typing import Any

from engage_bridge_tools.centra_fake.fake import SAMPLE_SHOP

START = datetime.fromisoformat("2025-01-01T09:00:00+00:00")


def generated_history(
    customers: int, *, start: datetime = START, spacing: timedelta = timedelta(hours=1)
) -> dict[str, Any]:
    """A shop document with ``customers`` customers and one order each, created ``spacing`` apart from ``start``."""
    shop: dict[str, Any] = json.loads(SAMPLE_SHOP.read_text(encoding="utf-8"))
    template_order = next(order for order in shop["orders"] if order["number"] == 1001)
    template_customer = next(customer for customer in shop["customers"] if customer["id"] == 1)
    shop["orders"], shop["customers"], shop["newsletterSubscriptions"] = [], [], []
    for index in range(customers):
        moment = (start + index * spacing).isoformat()
        shop["customers"].append(_customer(template_customer, index, moment))
        shop["orders"].append(_order(template_order, index, moment))
    return shop


def _customer(template: dict[str, Any], index: int, moment: str) -> dict[str, Any]:
    customer = copy.deepcopy(template)
    email = f"history.{index}@example.com"
    customer.update(
        id=10_000 + index,
        email=email,
        firstName=f"Hist{index}",
        newsletter=index % 2 == 0,
        createdAt=moment,
        updatedAt=moment,
        attributes=[],  # no Engage id set by a front end: the backfill has to find or create the contact
    )
    customer["billingAddress"]["email"] = email
    return customer


def _order(template: dict[str, Any], index: int, moment: str) -> dict[str, Any]:
    order = copy.deepcopy(template)
    number = 100_000 + index
    email = f"history.{index}@example.com"
    order.update(
        id=f"{number:032x}",
        number=number,
        createdAt=moment,
        orderDate=moment,
        updatedAt=moment,
        customer={"id": 10_000 + index},
        paymentHistory=[
            {
                "id": index + 1,
                "createdAt": moment,
                "status": "SUCCESS",
                "entryType": "AUTH",
                "value": order["grandTotal"],
            }
        ],
        attributes=[
            {
                "type": {"name": "voyado_promotion_id", "isMapped": False},
                "elements": [{"key": "text", "kind": "INPUT", "value": f"promo-{number}"}],
            }
        ],
    )
    for address in ("billingAddress", "shippingAddress"):
        order[address]["email"] = email
    line_ids = {line["id"]: 10 * number + line["id"] for line in order["lines"]}
    for line in order["lines"]:
        line["id"] = line_ids[line["id"]]
    shipment_ids, shipment_line_ids = {}, {}
    for shipment in order["shipments"]:
        shipment_ids[shipment["id"]] = 10 * number + shipment["id"]
        shipment["id"] = shipment_ids[shipment["id"]]
        shipment["number"] = f"{number}-{shipment['number'].split('-')[1]}"
        shipment["createdAt"] = shipment["updatedAt"] = moment
        if shipment.get("shippedAt"):
            shipment["shippedAt"] = moment
        for line in shipment["lines"]:
            shipment_line_ids[line["id"]] = 10 * number + line["id"]
            line["id"] = shipment_line_ids[line["id"]]
            line["orderLine"] = {"id": line_ids[line["orderLine"]["id"]]}
    for returned in order["returns"]:
        returned["id"] = 10 * number + returned["id"]
        returned["createdAt"] = moment
        returned["shipment"] = {"id": shipment_ids[returned["shipment"]["id"]]}
        for line in returned["lines"]:
            line["id"] = 10 * number + line["id"]
            line["shipmentLine"] = {"id": shipment_line_ids[line["shipmentLine"]["id"]]}
    return order
