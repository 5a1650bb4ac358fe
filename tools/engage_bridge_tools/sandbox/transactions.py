"""Orders (``/api/v2/orders``, automation trigger) and receipts (``/api/v3/receipts``).

Orders: accepted (202, seed 001) only when ``orderStatus`` and ``paymentStatus`` are configured tags and
the totals add up, else 422 with seed 001's envelope. Engage stores no order and does not deduplicate, so
every accepted order is one triggered automation. Receipts: queued with 202 once the body fits the contract
(seed 001), then imported later (Voyado, introduction to receipts): a receipt whose contact Engage cannot find,
or that breaks the sign rules of Voyado's "register a return", is refused in the integration log, never to the
sender; a repeated ``uniqueReceiptId`` is ignored at import.
"""

import time
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from engage_bridge_tools.sandbox.protocol import Reply, Request, invalid, issue
from engage_bridge_tools.sandbox.state import SandboxState, now_iso

TOLERANCE = Decimal("0.01")
ORDER_REQUIRED = ("orderNumber", "orderStatus", "paymentStatus", "createdDate", "storeId", "currency")
ORDER_ITEM_REQUIRED = ("type", "sku", "quantity", "grossPaidPrice", "description")
ITEM_TYPES = frozenset({"PURCHASE", "RETURN", "ADJUSTMENT"})
Issues = list[dict[str, str]]


def post_order(state: SandboxState, request: Request) -> Reply:
    body = request.body
    if not isinstance(body, dict):
        return invalid(422, "Order is not valid", [issue("InvalidBody", "Body", "Expected a JSON object.")])
    problems = _common(body, ORDER_REQUIRED)
    problems += _statuses(state, body)
    problems += _items(body, ORDER_ITEM_REQUIRED, ())
    if not problems:
        problems += _order_totals(body)
    if problems:
        return invalid(422, "Order is not valid", problems)
    state.orders.append(body)
    state.automations.append(
        {
            "orderNumber": str(body["orderNumber"]),
            "orderStatus": body["orderStatus"],
            "paymentStatus": body["paymentStatus"],
            "matchKey": body["contact"]["matchKey"],
            # How many contacts the match key names: Engage's choice among several is undocumented (audit D13).
            "contactsMatched": len(_matching_contacts(state, body["contact"])),
        }
    )
    return Reply(202)


def post_receipt(state: SandboxState, request: Request) -> Reply:
    """Queue the receipt (its JSON already fits the contract); ``import_receipts`` decides its fate later."""
    state.receipt_queue.append(
        {"uniqueReceiptId": str(request.body["uniqueReceiptId"]), "acceptedAt": time.monotonic(), "body": request.body}
    )
    return Reply(202)


def import_receipts(state: SandboxState, now: float, *, every: float, force: bool = False) -> int:
    """Import the queued receipts accepted at least ``every`` seconds before ``now`` (all with ``force``).

    Each ends imported (``receipts``), ignored as a duplicate (``duplicate_receipts``) or refused; each outcome
    is a line in the integration log. Returns how many were taken from the queue.
    """
    due = [entry for entry in state.receipt_queue if force or entry["acceptedAt"] + every <= now]
    state.receipt_queue = [entry for entry in state.receipt_queue if entry not in due]
    for entry in due:
        receipt_id, body = entry["uniqueReceiptId"], entry["body"]
        if receipt_id in state.receipts:
            state.duplicate_receipts.append(receipt_id)
            _log(state, receipt_id, "Ignored", ["Duplicate uniqueReceiptId"])
            continue
        contact_id, problems = _receipt_contact(state, body["contact"])
        problems += [problem["errorDescription"] for problem in _common(body, ()) + _receipt_signs(body)]
        if problems or contact_id is None:
            _log(state, receipt_id, "Failed", problems)
            continue
        state.receipts[receipt_id] = body
        state.receipt_contacts[receipt_id] = contact_id
        _log(state, receipt_id, "Imported", [])
    return len(due)


def _log(state: SandboxState, receipt_id: str, status: str, messages: list[str]) -> None:
    state.integration_log.append(
        {"type": "Receipts", "uniqueReceiptId": receipt_id, "status": status, "messages": messages, "at": now_iso()}
    )


def _receipt_contact(state: SandboxState, contact: dict[str, Any]) -> tuple[str | None, list[str]]:
    """The contact a receipt belongs to: by id, or by a key within ``contactType`` (default: the tenant's)."""
    contact_type = contact.get("contactType") or state.tenant.default_contact_type
    found = _matching_contacts(state, contact, contact_type)
    if len(found) == 1:
        return found[0], []
    return None, ["Contact is missing" if not found else "Several contacts match"]


def _matching_contacts(state: SandboxState, contact: dict[str, Any], contact_type: str | None = None) -> list[str]:
    """Ids of the contacts a ``{matchKey, matchKeyType}`` names (of ``contactType`` when given)."""
    kind, key = str(contact["matchKeyType"]).casefold(), str(contact["matchKey"])
    if kind == "contactid":
        return [key] if key in state.contacts else []
    field = {"email": "email", "mobilephone": "mobilePhone", "externalid": "externalId"}.get(kind, kind)
    return [
        held["id"]
        for held in state.contacts.values()
        if (contact_type is None or held["contactType"] == contact_type)
        and str(held["fields"].get(field) or "").casefold() == key.casefold()
    ]


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def _common(body: dict[str, Any], required: tuple[str, ...]) -> Issues:
    problems = []
    contact = body.get("contact")
    if not isinstance(contact, dict) or not contact.get("matchKey") or not contact.get("matchKeyType"):
        problems.append(issue("Required", "Contact", "'Contact' needs matchKey and matchKeyType."))
    for name in required:
        if body.get(name) in (None, ""):
            problems.append(issue("Required", _pascal(name), f"'{_pascal(name)}' must not be empty."))
    created = body.get("createdDate")
    if isinstance(created, str) and created and not _has_offset(created):
        problems.append(issue("InvalidDate", "CreatedDate", "Dates must be ISO 8601 with an offset."))
    if _decimal(body.get("totalGrossPrice")) is None:
        problems.append(issue("Required", "TotalGrossPrice", "'TotalGrossPrice' must be a decimal."))
    return problems


def _has_offset(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def _statuses(state: SandboxState, body: dict[str, Any]) -> Issues:
    problems = []
    tenant = state.tenant
    order_status, payment_status = body.get("orderStatus"), body.get("paymentStatus")
    if order_status not in (None, "") and order_status not in tenant.order_statuses:
        description = _not_valid("order", order_status, tenant.order_statuses) + "."
        problems.append(issue("InvalidOrderStatus", "OrderStatus", description))
    if payment_status not in (None, "") and payment_status not in tenant.payment_statuses:
        description = _not_valid("payment", payment_status, tenant.payment_statuses)
        problems.append(issue("InvalidPaymentStatus", "PaymentStatus", description))
    return problems


def _not_valid(kind: str, value: object, valid: list[str]) -> str:
    # Wording of seed 001's real answer; there the order message ends with a full stop, the payment one not.
    return (
        f"Specified {kind} status '{value}' in request is not a valid status. Valid statuses are [{', '.join(valid)}]"
    )


def _required_list(body: dict[str, Any], name: str, *, allow_empty: bool) -> Issues:
    value = body.get(name)
    if not isinstance(value, list) or (not value and not allow_empty):
        return [issue("Required", _pascal(name), f"'{_pascal(name)}' must be a non-empty list.")]
    return []


def _items(body: dict[str, Any], required: tuple[str, ...], text: tuple[str, ...]) -> Issues:
    problems = _required_list(body, "items", allow_empty=False)
    for index, item in enumerate(body.get("items") or []):
        where = f"Items[{index}]"
        if not isinstance(item, dict):
            problems.append(issue("InvalidBody", where, "Expected an object."))
            continue
        for name in required + text:
            if item.get(name) in (None, ""):
                problems.append(issue("Required", f"{where}.{_pascal(name)}", f"'{_pascal(name)}' must not be empty."))
        if str(item.get("type", "")).upper() not in ITEM_TYPES:
            problems.append(issue("InvalidItemType", f"{where}.Type", "Type must be PURCHASE, RETURN or ADJUSTMENT."))
        for name in ("grossPaidPrice", "taxAmount", "quantity"):
            if name in item and _decimal(item[name]) is None:
                problems.append(issue("InvalidDecimal", f"{where}.{_pascal(name)}", "Not a number."))
    return problems


def _order_totals(body: dict[str, Any]) -> Issues:
    """Assumption (docs/sandbox.md): items' grossPaidPrice + freight + handling + round-off = totalGrossPrice."""
    parts = [_decimal(item["grossPaidPrice"]) for item in body["items"]]
    for fee in ("freightFee", "handlingFee", "totalRoundOff"):
        value = body.get(fee)
        parts.append(_decimal(value.get("value")) if isinstance(value, dict) else Decimal(0))
    if any(part is None for part in parts):
        return [issue("InvalidDecimal", "FeeValue", "Fee values must be decimals.")]
    computed = sum((part for part in parts if part is not None), Decimal(0))
    total = _decimal(body["totalGrossPrice"])
    if total is None or abs(computed - total) > TOLERANCE:
        description = f"TotalGrossPrice {total} does not match the sum of items and fees {computed}."
        return [issue("InvalidTotalGrossPrice", "TotalGrossPrice", description)]
    return _order_tax(body)


def _order_tax(body: dict[str, Any]) -> Issues:
    """When ``totalTax`` is sent it must add up too: items' ``taxAmount`` plus the fees' ``tax`` (v2 Swagger: totals
    "must be correct and add up"; a fee's tax "is added into totalTax"). Seed 001 sends no ``totalTax``."""
    if body.get("totalTax") in (None, ""):
        return []
    parts = [_decimal(item.get("taxAmount", 0)) for item in body["items"]]
    parts += [
        _decimal(fee.get("tax", 0))
        for name in ("freightFee", "handlingFee", "totalRoundOff")
        if isinstance(fee := body.get(name), dict)
    ]
    total_tax = _decimal(body["totalTax"])
    if total_tax is None or any(part is None for part in parts):
        return [issue("InvalidDecimal", "TotalTax", "Tax amounts must be decimals.")]
    computed = sum((part for part in parts if part is not None), Decimal(0))
    if abs(computed - total_tax) > TOLERANCE:
        description = f"TotalTax {total_tax} does not match the sum of item and fee taxes {computed}."
        return [issue("InvalidTotalTax", "TotalTax", description)]
    return []


def _receipt_signs(body: dict[str, Any]) -> Issues:
    """Returns: negative quantity, positive amounts, negative total and payments (Voyado, register a return)."""
    problems = []
    kinds = set()
    for index, item in enumerate(body["items"]):
        kind = str(item["type"]).upper()
        kinds.add(kind)
        quantity, price, tax = (_decimal(item[name]) for name in ("quantity", "grossPaidPrice", "taxAmount"))
        where = f"Items[{index}]"
        if kind == "RETURN" and quantity is not None and quantity >= 0:
            problems.append(issue("InvalidQuantity", f"{where}.Quantity", "A return line needs a negative quantity."))
        if kind == "PURCHASE" and quantity is not None and quantity <= 0:
            problems.append(issue("InvalidQuantity", f"{where}.Quantity", "A purchase line needs a positive quantity."))
        if kind in ("RETURN", "PURCHASE"):
            if price is not None and price < 0:
                problems.append(issue("InvalidAmount", f"{where}.GrossPaidPrice", "Amounts are positive."))
            if tax is not None and tax < 0:
                problems.append(issue("InvalidAmount", f"{where}.TaxAmount", "Amounts are positive."))
    total = _decimal(body["totalGrossPrice"])
    payments = [_decimal(p.get("value")) for p in body["paymentMethods"] if isinstance(p, dict)]
    if kinds == {"RETURN"}:
        if total is not None and total > 0:
            problems.append(issue("InvalidTotalGrossPrice", "TotalGrossPrice", "A return has a negative total."))
        if any(value is not None and value > 0 for value in payments):
            problems.append(issue("InvalidPaymentValue", "PaymentMethods", "A return has negative payments."))
    if kinds == {"PURCHASE"} and total is not None and total < 0:
        problems.append(issue("InvalidTotalGrossPrice", "TotalGrossPrice", "A purchase has a positive total."))
    return problems


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
