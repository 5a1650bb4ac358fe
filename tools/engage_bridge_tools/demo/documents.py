"""Shop-file entries (Centra's Integration API shape, docs/shop-format.md) for the demo's people and orders."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from hashlib import sha256
from typing import Any

from engage_bridge_tools.demo.catalogue import DTC_STORE, WHOLESALE_STORE, Market, Product

Entry = dict[str, Any]
CENT = Decimal("0.01")


def money(value: Decimal, currency: str) -> Entry:
    return {"value": float(value.quantize(CENT, ROUND_HALF_UP)), "currency": {"code": currency}}


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Person:
    """Who a customer record, an order's addresses or an Engage contact describe."""

    first_name: str
    last_name: str
    gender: str
    email: str
    phone: str
    birthdate: str
    street: str
    city: str
    zip_code: str
    country: str
    country_code: str

    def address(self) -> Entry:
        return {
            "firstName": self.first_name,
            "lastName": self.last_name,
            "address1": self.street,
            "address2": "",
            "city": self.city,
            "zipCode": self.zip_code,
            "country": {"name": self.country, "code": self.country_code},
            "email": self.email,
            "phoneNumber": self.phone,
            "cellPhoneNumber": "",
        }


def customer_entry(customer_id: int, person: Person, *, registered: bool, newsletter: bool, since: datetime) -> Entry:
    return {
        "id": customer_id,
        "email": person.email,
        "firstName": person.first_name,
        "lastName": person.last_name,
        "phoneNumber": person.phone,
        "gender": person.gender,
        "birthdate": person.birthdate,
        "registered": registered,
        "newsletter": newsletter,
        "createdAt": stamp(since),
        "updatedAt": stamp(since),
        "store": {"id": DTC_STORE["id"]},
        "billingAddress": person.address(),
        "attributes": [],
    }


@dataclass(frozen=True)
class OrderLineSpec:
    line_id: int
    product: Product
    size: str
    quantity: int


@dataclass(frozen=True)
class OrderSpec:
    """What an order is; ``order_entry`` turns it into the shop-file document."""

    number: int
    market: Market
    placed: datetime
    lines: tuple[OrderLineSpec, ...]
    person: Person
    customer_id: int | None = None  # None: a guest checkout without a customer record (or wholesale)
    account_id: int | None = None  # wholesale
    voucher: tuple[str, str, Decimal] | None = None  # (name, code, percent off)
    payment: tuple[str, str, str] = ("Credit Card", "card", "Adyen")
    payment_failed: bool = False
    promotion_assignment_id: str | None = None
    attributes: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def _unit_price(spec: OrderSpec, line: OrderLineSpec) -> Decimal:
    return line.product.price_sek if spec.market.currency == "SEK" else line.product.price_eur


def order_entry(spec: OrderSpec, promotion_attribute: str) -> Entry:
    currency = spec.market.currency
    lines = [_line_entry(spec, line) for line in spec.lines]
    original_total = sum(
        (Decimal(str(line["unitOriginalPrice"]["value"])) * line["quantity"] for line in lines), Decimal(0)
    )
    paid_total = sum((Decimal(str(line["lineValue"]["value"])) for line in lines), Decimal(0))
    wholesale = spec.account_id is not None
    shipping = Decimal(0) if wholesale else spec.market.shipping
    grand_total = paid_total + shipping
    attributes = list(spec.attributes)
    if spec.promotion_assignment_id:
        attributes.append((promotion_attribute, spec.promotion_assignment_id))
    entry: Entry = {
        "id": sha256(f"demo-order-{spec.number}".encode()).hexdigest()[:32],
        "number": spec.number,
        "status": "PENDING" if spec.payment_failed else "CONFIRMED",
        "createdAt": stamp(spec.placed),
        "orderDate": stamp(spec.placed),
        "updatedAt": stamp(spec.placed),
        "store": {"id": WHOLESALE_STORE["id"] if wholesale else DTC_STORE["id"]},
        "market": {"id": spec.market.id},
        "pricelist": {"id": spec.market.id, "name": spec.market.pricelist},
        "currencyBaseRate": float(spec.market.base_rate),
        "grandTotal": money(grand_total, currency),
        "totals": {
            "lineValues": money(paid_total, currency),
            "shipping": money(shipping, currency),
            "handling": money(Decimal(0), currency),
            "taxDeducted": money(Decimal(0), currency),
        },
        "shippingPriceGroup": {"shippingOption": {"id": 1, "name": "Standard", "uri": "standard"}},
        "paymentMethod": {"name": spec.payment[0], "uri": spec.payment[1], "plugin": spec.payment[2]},
        "paymentHistory": [_payment(spec, grand_total, currency)],
        "discountsApplied": _discounts(spec, original_total - paid_total, currency),
        "billingAddress": spec.person.address(),
        "shippingAddress": spec.person.address(),
        "attributes": [_attribute(name, value) for name, value in attributes],
        "lines": lines,
    }
    if wholesale:
        entry["account"] = {"id": spec.account_id}
        entry["purchaseOrderNumber"] = f"PO-{spec.number}"
    elif spec.customer_id is not None:
        entry["customer"] = {"id": spec.customer_id}
    return entry


def _line_entry(spec: OrderSpec, line: OrderLineSpec) -> Entry:
    """A line with the voucher's percentage taken off each unit; ``lineValue`` is what was paid for the line."""
    currency = spec.market.currency
    percent_off = spec.voucher[2] if spec.voucher else Decimal(0)
    original = _unit_price(spec, line)
    unit = (original * (100 - percent_off) / 100).quantize(CENT, ROUND_HALF_UP)
    return {
        "id": line.line_id,
        "size": line.size,
        "productNumber": line.product.number,
        "productName": line.product.name,
        "productVariantName": "Black",
        "quantity": line.quantity,
        "cancelledQuantity": 0,
        "returnedQuantity": 0,
        "hasAnyDiscount": percent_off > 0,
        "unitOriginalPrice": money(original, currency),
        "unitPrice": money(unit, currency),
        "discountPercent": float(percent_off),
        "taxPercent": spec.market.tax_percent,
        "lineValue": money(unit * line.quantity, currency),
        "productSize": {"SKU": line.product.sku(line.size), "EAN": None},
        "productVariant": {"id": line.line_id, "name": "Black", "media": []},
        "category": {"name": line.product.category},
    }


def _payment(spec: OrderSpec, total: Decimal, currency: str) -> Entry:
    # Assumed status values (docs/mapping.md, "Payment status"): SUCCESS settles, FAILED is a failed payment.
    return {
        "id": spec.number,
        "createdAt": stamp(spec.placed + timedelta(minutes=1)),
        "status": "FAILED" if spec.payment_failed else "SUCCESS",
        "entryType": "AUTH",
        "externalReference": f"psp-{spec.number}",
        "value": money(total, currency),
    }


def _discounts(spec: OrderSpec, discount: Decimal, currency: str) -> list[Entry]:
    if spec.voucher is None:
        return []
    name, code, _ = spec.voucher
    return [
        {
            "value": money(-discount, currency),
            "date": stamp(spec.placed),
            "voucher": {"name": name, "code": code, "type": "CODE"},
        }
    ]


def _attribute(name: str, value: str) -> Entry:
    return {"type": {"name": name, "isMapped": False}, "elements": [{"key": "text", "kind": "INPUT", "value": value}]}
