"""``/api/v3/receipts`` bodies: a purchase per shipment and a return per return, for members only (seed 001)."""

from decimal import Decimal
from typing import Literal

from engage_bridge.centra.order import Order, Return, Shipment
from engage_bridge.config import BrandConfig
from engage_bridge.engage.models import ContactMatch, NameValue, Receipt, ReceiptItem
from engage_bridge.errors import MappingError
from engage_bridge.mapping.context import (
    fee_tax_percent,
    is_first_shipment,
    order_fees,
    order_store_id,
    return_index,
    shipment_index,
)
from engage_bridge.mapping.deliveries import delivery_appendix
from engage_bridge.mapping.lines import PricedLine, line_discounts, order_currency, returned_lines, shipment_lines
from engage_bridge.mapping.money import ZERO, tax_details, tax_share
from engage_bridge.mapping.payments import payment_methods

FREIGHT_ARTICLE = "freight"


def purchase_receipt(order: Order, shipment: Shipment, cfg: BrandConfig, contact_id: str) -> Receipt:
    """Receipt ``<order>-<delivery>``, dated when the shipment was created (what Engage shows as purchase date)."""
    lines = shipment_lines(order, shipment_index(order, shipment))
    items = [_item(line, "purchase") for line in lines]
    if cfg.receipts.include_freight and is_first_shipment(order, shipment):
        items += _freight_items(order)
    receipt_id = f"{order.number}-{delivery_appendix(order, shipment)}"
    total = sum((item.gross_paid_price for item in items), ZERO)
    return Receipt(
        contact=_contact(order, contact_id),
        unique_receipt_id=receipt_id,
        receipt_number=receipt_id,
        created_date=shipment.created_at,
        store_external_id=order_store_id(cfg, order),
        currency=order_currency(order),
        exchange_rate_to_group_currency=order.currency_base_rate,
        total_gross_price=total,
        tax_details=tax_details((item.gross_paid_price, item.tax_percent) for item in items),
        payment_methods=payment_methods(order, total),
        items=items,
    )


def return_receipt(order: Order, returned: Return, cfg: BrandConfig, contact_id: str) -> Receipt:
    """Receipt ``<order>-<delivery>-<return id>``: negative quantities and total, positive line amounts.

    Return fees are not receipt lines: points follow the goods, and Engage matches the return to its purchase.
    """
    shipment, lines = returned_lines(order, return_index(order, returned))
    items = [_item(line, "return") for line in lines]
    receipt_id = f"{order.number}-{delivery_appendix(order, shipment)}-{returned.id}"
    total = -sum((item.gross_paid_price for item in items), ZERO)
    return Receipt(
        contact=_contact(order, contact_id),
        unique_receipt_id=receipt_id,
        receipt_number=receipt_id,
        created_date=returned.created_at,
        store_external_id=order_store_id(cfg, order),
        currency=order_currency(order),
        exchange_rate_to_group_currency=order.currency_base_rate,
        total_gross_price=total,
        tax_details=tax_details(((item.gross_paid_price, item.tax_percent) for item in items), absolute=True),
        payment_methods=payment_methods(order, total),
        items=items,
    )


def _contact(order: Order, contact_id: str) -> ContactMatch:
    if not contact_id.strip():
        raise MappingError("order", order.reference, "contactId", "a receipt needs the member's Engage contact id")
    return ContactMatch(match_key=contact_id.strip(), match_key_type="contactId")


def _item(priced: PricedLine, kind: Literal["purchase", "return"]) -> ReceiptItem:
    line = priced.line
    return ReceiptItem(
        type=kind,
        quantity=-priced.units if kind == "return" else priced.units,
        gross_paid_price=priced.gross_paid,
        tax_amount=priced.tax_amount,
        tax_percent=line.tax_percent,
        sku=priced.sku,
        article_number=line.product_number or priced.sku,
        article_name=line.product_name or priced.sku,
        article_group=line.category.name if line.category and line.category.name else "",
        extra_data=[
            NameValue(name="size", value=line.size),
            NameValue(name="variation", value=line.product_variant_name),
            NameValue(name="isSale", value=priced.is_sale),
        ],
        discounts=line_discounts(priced),
    )


def _freight_items(order: Order) -> list[ReceiptItem]:
    """Shipping as a line, only when the brand awards points on it (``receipts.include_freight``)."""
    freight, _handling = order_fees(order)
    if freight.value.is_zero():
        return []
    rate: Decimal = fee_tax_percent(order)
    return [
        ReceiptItem(
            type="purchase",
            quantity=1,
            gross_paid_price=freight.value,
            tax_amount=tax_share(freight.value, rate),
            tax_percent=rate,
            sku=FREIGHT_ARTICLE,
            article_number=FREIGHT_ARTICLE,
            article_name=order.shipping_method or "Freight",
            article_group=FREIGHT_ARTICLE,
            extra_data=[],
            discounts=[],
        )
    ]
