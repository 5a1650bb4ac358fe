"""``/api/v2/orders`` bodies: the order, shipping, return and cancellation e-mails (seed 001, field for field)."""

from decimal import Decimal
from urllib.parse import quote

from engage_bridge.centra.common import Address
from engage_bridge.centra.order import Order, Return, Shipment
from engage_bridge.config import BrandConfig
from engage_bridge.engage.models import (
    Fee,
    OrderBody,
    OrderExtraData,
    OrderItem,
    OrderItemExtraData,
)
from engage_bridge.mapping.context import (
    fee_tax_percent,
    is_first_shipment,
    order_contact_match,
    order_fees,
    order_language,
    order_store_id,
    return_fees,
    return_index,
    shipment_index,
)
from engage_bridge.mapping.lines import (
    PricedLine,
    cancelled_lines,
    line_discounts,
    order_currency,
    ordered_lines,
    returned_lines,
    shipment_lines,
)
from engage_bridge.mapping.money import ZERO, tax_details
from engage_bridge.mapping.payments import payment_methods, payment_status_tag


def order_created(order: Order, cfg: BrandConfig, contact_id: str | None = None) -> OrderBody:
    """Order confirmation; with a failed payment the same body carries the failed payment status.

    Every ``order_*`` body matches the contact by ``contact_id`` when given, else by e-mail (seed 001).
    """
    return _order_body(
        order,
        cfg,
        contact_id,
        status=cfg.order_status_tags.created,
        lines=ordered_lines(order),
        fees=order_fees(order),
    )


def order_cancelled(order: Order, cfg: BrandConfig, contact_id: str | None = None) -> OrderBody:
    return _order_body(
        order,
        cfg,
        contact_id,
        status=cfg.order_status_tags.cancelled,
        lines=cancelled_lines(order),
        fees=order_fees(order),
    )


def order_shipped(order: Order, shipment: Shipment, cfg: BrandConfig, contact_id: str | None = None) -> OrderBody:
    """One e-mail per shipment, listing that shipment's lines only (no duplicate e-mail on split shipments)."""
    lines = shipment_lines(order, shipment_index(order, shipment))
    fees = order_fees(order) if is_first_shipment(order, shipment) else _no_fees()
    status = cfg.order_status_tags.shipped
    return _order_body(order, cfg, contact_id, status=status, lines=lines, fees=fees, shipment=shipment)


def order_returned(order: Order, returned: Return, cfg: BrandConfig, contact_id: str | None = None) -> OrderBody:
    """Lines stay ``purchase`` with positive quantities here; the total is what the return is worth (seed 001)."""
    index = return_index(order, returned)
    shipment, lines = returned_lines(order, index)
    fees = return_fees(order, returned, index)
    return _order_body(
        order,
        cfg,
        contact_id,
        status=cfg.order_status_tags.returned,
        lines=lines,
        fees=fees,
        shipment=shipment,
        any_return_items=True,
    )


def _no_fees() -> tuple[Fee, Fee]:
    return Fee(value=ZERO, tax=ZERO), Fee(value=ZERO, tax=ZERO)


def _order_body(
    order: Order,
    cfg: BrandConfig,
    contact_id: str | None,
    *,
    status: str,
    lines: list[PricedLine],
    fees: tuple[Fee, Fee],
    shipment: Shipment | None = None,
    any_return_items: bool = False,
) -> OrderBody:
    freight, handling = fees
    items_total = sum((line.gross_paid for line in lines), ZERO)
    gross_total = items_total + freight.value + handling.value
    fee_rate = fee_tax_percent(order)
    taxed = [(line.gross_paid, line.line.tax_percent) for line in lines]
    taxed += [(freight.value, fee_rate), (handling.value, fee_rate)]
    return OrderBody(
        contact=order_contact_match(order, contact_id),
        order_number=order.reference,
        created_date=order.created_at,
        order_status=status,
        payment_status=payment_status_tag(order, cfg),
        store_id=order_store_id(cfg, order),
        language=order_language(cfg, order),
        currency=order_currency(order),
        items=[_order_item(line) for line in lines],
        exchange_rate_to_group_currency=order.currency_base_rate,
        freight_fee=freight,
        handling_fee=handling,
        payment_methods=payment_methods(order, gross_total),
        extra_data=_extra_data(order, shipment, cfg),
        tax_details=tax_details(taxed),
        total_original_price=sum((line.original for line in lines), ZERO),
        total_gross_price=gross_total,
        total_items_price=items_total,
        any_return_items=any_return_items,
        shipping_date=shipment.shipped_at if shipment else None,
    )


def _order_item(priced: PricedLine) -> OrderItem:
    line = priced.line
    return OrderItem(
        type="purchase",
        sku=priced.sku,
        quantity=priced.units,
        description=line.product_name or priced.sku,
        gross_paid_price=priced.gross_paid,
        image_url=line.image_url,
        target_url=line.product_external_url or "",
        tax_amount=priced.tax_amount,
        tax_percent=line.tax_percent,
        extra_data=OrderItemExtraData(size=line.size, variation=line.product_variant_name, is_sale=priced.is_sale),
        discounts=line_discounts(priced),
        gross_paid_price_per_unit=line.unit_price.value,
        original_price=priced.original,
        original_price_per_unit=line.unit_original_price.value,
        discounted=not priced.discount.is_zero(),
    )


def _extra_data(order: Order, shipment: Shipment | None, cfg: BrandConfig) -> OrderExtraData:
    billing = order.billing_address or Address()
    shipping = order.shipping_address or Address()
    totals = order.totals
    tax_deducted: Decimal = totals.tax_deducted.value if totals and totals.tax_deducted else ZERO
    method = order.payment_method
    return OrderExtraData(
        billing_address_first_name=billing.first_name,
        billing_address_last_name=billing.last_name,
        billing_address_street=billing.address1,
        billing_address_street2=billing.address2,
        billing_address_city=billing.city,
        billing_address_postal_code=billing.zip_code,
        billing_address_country=billing.country_name or "",
        billing_address_state=billing.state_or_province,
        billing_telephone_number=billing.phone,
        shipping_address_first_name=shipping.first_name,
        shipping_address_last_name=shipping.last_name,
        shipping_address_street=shipping.address1,
        shipping_address_street2=shipping.address2,
        shipping_address_city=shipping.city,
        shipping_address_postal_code=shipping.zip_code,
        shipping_address_country=shipping.country_name or "",
        shipping_address_state=shipping.state_or_province,
        shipping_method=order.shipping_method,
        tracking_number=(shipment.tracking_number if shipment else None) or "",
        tracking_link_html=tracking_link(order, shipment, cfg),
        customer_number=str(order.customer.id) if order.customer and order.customer.id is not None else "",
        tax_deduction=tax_deducted,
        order_placed=order.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        payment_method_name=method.plugin if method and method.plugin else None,
    )


def tracking_link(order: Order, shipment: Shipment | None, cfg: BrandConfig) -> str:
    """The brand's tracking link for the order's shipping method, with the shipment's tracking number filled in
    when the link has ``{tracking_number}`` (no number then means no link); "" for a method without a link.

    Centra's Integration API has no tracking URL (only its REST APIs do), so the link comes from configuration.
    """
    template = cfg.tracking_links.get(order.shipping_method)
    if not template:
        return ""
    if "{tracking_number}" not in template:
        return template  # one link for the method (seed 001: a carrier's tracking page, no number in it)
    number = shipment.tracking_number if shipment else None
    return template.replace("{tracking_number}", quote(number, safe="")) if number else ""
