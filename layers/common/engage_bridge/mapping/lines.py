"""Order lines priced for Engage: which lines an e-mail or receipt covers, and what each one cost.

Discounts are already inside ``lineValue`` (what the customer paid); Engage wants them applied in
``grossPaidPrice`` and listed per line, so a line's discount is paid minus original.
"""

from decimal import Decimal

from msgspec import Struct

from engage_bridge.centra.common import MonetaryValue
from engage_bridge.centra.order import Order, OrderLine, Shipment
from engage_bridge.engage.models import Discount
from engage_bridge.errors import MappingError
from engage_bridge.mapping.money import ZERO, round_money, tax_share


class PricedLine(Struct, frozen=True):
    line: OrderLine
    sku: str
    units: int  # always positive; receipts flip the sign for returns
    gross_paid: Decimal
    original: Decimal

    @property
    def discount(self) -> Decimal:
        return min(self.gross_paid - self.original, ZERO)

    @property
    def tax_amount(self) -> Decimal:
        return tax_share(self.gross_paid, self.line.tax_percent)

    @property
    def is_sale(self) -> bool:
        return self.line.unit_price.value != self.line.unit_original_price.value


def line_discounts(priced: PricedLine) -> list[Discount]:
    """The line's whole reduction as one entry, the way seed 001 lists it ("Discount", negative value)."""
    return [] if priced.discount.is_zero() else [Discount(value=priced.discount)]


def order_currency(order: Order) -> str:
    code = order.grand_total.currency_code
    if not code:
        raise MappingError("order", order.reference, "grandTotal.currency.code", "missing")
    return code


def check_currency(order: Order, money: MonetaryValue | None, field: str) -> None:
    """Every amount the bridge sends must be in the order's currency; a mismatch is bad data."""
    if money is not None and money.currency_code and money.currency_code != order_currency(order):
        raise MappingError("order", order.reference, field, "currency differs from the order's")


def price_line(order: Order, index: int, units: int) -> PricedLine:
    line = order.lines[index]
    field = f"lines[{index}]"
    sku = line.product_size.sku if line.product_size else None
    if not sku:
        raise MappingError("order", order.reference, f"{field}.productSize.SKU", "missing")
    for name, money in (
        ("unitOriginalPrice", line.unit_original_price),
        ("unitPrice", line.unit_price),
        ("lineValue", line.line_value),
    ):
        check_currency(order, money, f"{field}.{name}")
    # Rounded per line, so totals are sums of exactly what Engage sees on the lines.
    if units == line.quantity:
        gross_paid = round_money(line.line_value.value)
    elif line.quantity > 0:
        gross_paid = round_money(line.line_value.value * units / line.quantity)
    else:
        gross_paid = round_money(line.unit_price.value * units)
    original = round_money(line.unit_original_price.value * units)
    return PricedLine(line=line, sku=sku, units=units, gross_paid=gross_paid, original=original)


def ordered_lines(order: Order) -> list[PricedLine]:
    """Every line still ordered (fully cancelled lines drop out)."""
    _require_lines(order)
    return [price_line(order, i, line.quantity) for i, line in enumerate(order.lines) if line.quantity > 0]


def cancelled_lines(order: Order) -> list[PricedLine]:
    """Every line with what was ordered before the cancellation."""
    _require_lines(order)
    units = [(i, line.quantity + line.cancelled_quantity) for i, line in enumerate(order.lines)]
    return [price_line(order, i, n) for i, n in units if n > 0]


def shipment_lines(order: Order, shipment_index: int) -> list[PricedLine]:
    shipment = order.shipments[shipment_index]
    field = f"shipments[{shipment_index}].lines"
    if not shipment.lines:
        raise MappingError("order", order.reference, field, "shipment has no lines")
    priced = []
    for i, shipment_line in enumerate(shipment.lines):
        if shipment_line.quantity <= 0:
            raise MappingError("order", order.reference, f"{field}[{i}].quantity", "must be positive")
        line_index = _line_index(order, shipment_line.order_line.id, f"{field}[{i}].orderLine.id")
        priced.append(price_line(order, line_index, shipment_line.quantity))
    return priced


def returned_lines(order: Order, return_index: int) -> tuple[Shipment, list[PricedLine]]:
    """The shipment a return belongs to, and its returned lines (found through their shipment lines)."""
    returned = order.returns[return_index]
    field = f"returns[{return_index}].lines"
    if not returned.lines:
        raise MappingError("order", order.reference, field, "return has no lines")
    shipment_by_line = {line.id: (shipment, line) for shipment in order.shipments for line in shipment.lines}
    shipments: set[int] = set()
    priced = []
    for i, return_line in enumerate(returned.lines):
        if return_line.quantity <= 0:
            raise MappingError("order", order.reference, f"{field}[{i}].quantity", "must be positive")
        found = shipment_by_line.get(return_line.shipment_line.id)
        if found is None:
            raise MappingError("order", order.reference, f"{field}[{i}].shipmentLine.id", "no such shipment line")
        shipment, shipment_line = found
        shipments.add(shipment.id)
        line_index = _line_index(order, shipment_line.order_line.id, f"{field}[{i}].shipmentLine.orderLine.id")
        priced.append(price_line(order, line_index, return_line.quantity))
    if len(shipments) > 1:
        raise MappingError("order", order.reference, field, "lines belong to more than one shipment")
    return shipment_by_line[returned.lines[0].shipment_line.id][0], priced


def _line_index(order: Order, line_id: int, field: str) -> int:
    for index, line in enumerate(order.lines):
        if line.id == line_id:
            return index
    raise MappingError("order", order.reference, field, "no such order line")


def _require_lines(order: Order) -> None:
    if not order.lines:
        raise MappingError("order", order.reference, "lines", "order has no lines")
