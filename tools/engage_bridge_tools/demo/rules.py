"""The documented rules the demo's check applies to shop-file entries, written apart from the bridge's own code.

Each function restates a rule of docs/mapping.md (or seed 000/001/004) over the plain shop-file JSON, so the
check can disagree with ``engage_bridge.routing`` and the effects: if it called them, a bug there would be
expected too. Only the brand configuration model is shared.
"""

from typing import Any, Literal

from engage_bridge.config import BrandConfig

Entry = dict[str, Any]
PaymentState = Literal["success", "pending", "failed"]

# docs/mapping.md, "Payment status" (assumed values, compared case-insensitively).
_NOT_PAYMENTS = {"REFUND", "CANCEL", "CANCELLATION", "VOID"}
_SUCCESS = {"SUCCESS", "SUCCESSFUL", "OK"}
_FAILURE = {"FAILED", "FAILURE", "ERROR", "DECLINED", "DENIED"}


def payment_state(order: Entry) -> PaymentState:
    """Success once any payment entry succeeded; failed when the latest one failed; otherwise pending."""
    statuses = [
        str(entry.get("status") or "").upper()
        for entry in order.get("paymentHistory") or []
        if str(entry.get("entryType") or "").upper() not in _NOT_PAYMENTS
    ]
    if any(status in _SUCCESS for status in statuses):
        return "success"
    if statuses and statuses[-1] in _FAILURE:
        return "failed"
    return "pending"


def payment_tag(order: Entry, cfg: BrandConfig) -> str:
    tags = cfg.payment_status_tags
    return {"success": tags.success, "pending": tags.pending, "failed": tags.failed}[payment_state(order)]


def store_type(order: Entry, stores: list[Entry]) -> str:
    store_id = (order.get("store") or {}).get("id")
    store = next((s for s in stores if s["id"] == store_id), None)
    return str(store["type"]) if store else "DIRECT_TO_CONSUMER"


def restricted(order: Entry, shop: Entry, cfg: BrandConfig) -> bool:
    """Wholesale never reaches Engage (seed 003); then the brand's store type, market, pricelist, country lists."""
    kind = store_type(order, shop["stores"])
    if kind == "WHOLESALE" or kind not in cfg.restrictions.store_types:
        return True
    rules = cfg.restrictions
    market = _resolve(order.get("market"), shop["markets"])
    if rules.markets and not _named(rules.markets, market):
        return True
    if rules.pricelists and not _named(rules.pricelists, order.get("pricelist")):
        return True
    country = ((order.get("shippingAddress") or {}).get("country") or {}).get("code")
    allowed = {code.upper() for code in rules.countries}
    return bool(rules.countries) and (country is None or country.upper() not in allowed)


def _resolve(reference: Entry | None, entries: list[Entry]) -> Entry | None:
    if not reference:
        return None
    return next((entry for entry in entries if entry["id"] == reference.get("id")), reference)


def _named(allowed: list[str], reference: Entry | None) -> bool:
    if not reference:
        return False
    return bool({str(reference.get("id")), str(reference.get("name"))} & set(allowed))


def attribute(entry: Entry | None, name: str) -> str | None:
    """The first non-empty element value of the attribute ``name``."""
    for item in (entry or {}).get("attributes") or []:
        if (item.get("type") or {}).get("name") != name:
            continue
        for element in item.get("elements") or []:
            value = element.get("value")
            if value is not None and str(value).strip():
                return str(value).strip()
    return None


def looks_like_id(value: str) -> bool:
    """Assignment and contact ids go into URL paths: letters, digits and dashes (docs/mapping.md, Promotions)."""
    return 0 < len(value) <= 64 and value[0].isalnum() and all(c.isascii() and (c.isalnum() or c == "-") for c in value)


def is_member(customer: Entry | None, cfg: BrandConfig) -> bool:
    """``contact_sync``: all, registered customers, customers carrying an Engage contact id, or none."""
    mode = cfg.contact_sync
    if mode == "all":
        return True
    if mode == "registered":
        return bool(customer and customer.get("registered") is True)
    if mode == "with_engage_id":
        contact_id = attribute(customer, cfg.contact_id_attribute)
        return contact_id is not None and looks_like_id(contact_id)
    return False


def order_email(order: Entry, customer: Entry | None) -> str | None:
    """The customer's e-mail, else the billing address's (docs/mapping.md, Order)."""
    email = (customer or {}).get("email") or (order.get("billingAddress") or {}).get("email")
    return str(email) if email else None


def is_completed_shipment(shipment: Entry) -> bool:
    return bool(shipment.get("isShipped") or shipment.get("shippedAt"))


def delivery_number(order: Entry, shipment: Entry) -> str:
    """``"10001-2"`` -> ``"2"``: the part of ``uniqueReceiptId`` a shipment contributes."""
    return str(shipment["number"]).removeprefix(f"{order['number']}-")


def locales(cfg: BrandConfig, market_id: str) -> list[str | None]:
    """One stock level per product-feed locale of the market, or one without a locale (docs/mapping.md)."""
    return list(cfg.back_in_stock.locales_by_market.get(market_id, [])) or [None]
