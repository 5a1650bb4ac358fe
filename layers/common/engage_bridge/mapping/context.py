"""Facts about an order that every Engage body needs: who, which store, which shipment is which."""

from decimal import Decimal

from engage_bridge.centra.common import MonetaryValue
from engage_bridge.centra.order import Order, Return, Shipment
from engage_bridge.config import BrandConfig
from engage_bridge.engage.models import ContactMatch, Fee
from engage_bridge.errors import MappingError
from engage_bridge.mapping.deliveries import delivery_appendix
from engage_bridge.mapping.email import require_email
from engage_bridge.mapping.lines import check_currency
from engage_bridge.mapping.money import ZERO, round_money, tax_share
from engage_bridge.mapping.store import StoreContext, store_external_id


def order_email(order: Order) -> str:
    return require_email("order", order.reference, order.email, "customer.email")


def email_match(order: Order) -> ContactMatch:
    """``/orders`` finds the contact by e-mail, as Centra's plugin does (seed 001)."""
    return ContactMatch(match_key=order_email(order), match_key_type="email")


def order_contact_match(order: Order, contact_id: str | None) -> ContactMatch:
    """The contact by id when the bridge knows it (Voyado lists ``contactId`` as a match key type), else by e-mail.

    ``/orders`` carries no contact type, so by e-mail a member and a newsletter contact sharing the address could
    be confused (audit D13); the id the bridge just found or created cannot.
    """
    if contact_id is None:
        return email_match(order)
    order_email(order)  # an order without an e-mail is still unmappable
    return ContactMatch(match_key=contact_id, match_key_type="contactId")


def order_language(cfg: BrandConfig, order: Order) -> str:
    """The order's market's language from ``languages_by_market`` (name, then id), else ``default_language``."""
    market = order.market
    for key in (market.name, None if market.id is None else str(market.id)) if market else ():
        if key and (language := cfg.languages_by_market.get(key)):
            return language
    if cfg.default_language is None:
        name = market.name if market and market.name else "?"
        raise MappingError("order", order.reference, "market", f"no language configured for market {name!r}")
    return cfg.default_language


def order_store_id(cfg: BrandConfig, order: Order) -> str:
    """The order's store: its market, and for ``{country}`` the shipping country (seed 001)."""
    shipping = order.shipping_address.country_name if order.shipping_address else None
    billing = order.billing_address.country_name if order.billing_address else None
    context = StoreContext(
        object_kind="order",
        object_id=order.reference,
        market_name=order.market.name if order.market else None,
        country_name=shipping or billing,
    )
    return store_external_id(cfg, context)


def fee_tax_percent(order: Order) -> Decimal:
    """Centra gives fees without a tax rate; they are taxed at the order's highest line rate (assumption)."""
    return max((line.tax_percent for line in order.lines), default=ZERO)


def fee(order: Order, money: MonetaryValue | None, field: str) -> Fee:
    check_currency(order, money, field)
    value = round_money(money.value) if money else ZERO
    return Fee(value=value, tax=tax_share(value, fee_tax_percent(order)))


def order_fees(order: Order) -> tuple[Fee, Fee]:
    totals = order.totals
    return (
        fee(order, totals.shipping if totals else None, "totals.shipping"),
        fee(order, totals.handling if totals else None, "totals.handling"),
    )


def return_fees(order: Order, returned: Return, index: int) -> tuple[Fee, Fee]:
    totals = returned.totals
    return (
        fee(order, totals.shipping if totals else None, f"returns[{index}].totals.shipping"),
        fee(order, totals.handling if totals else None, f"returns[{index}].totals.handling"),
    )


def shipment_index(order: Order, shipment: Shipment) -> int:
    for index, candidate in enumerate(order.shipments):
        if candidate is shipment or candidate.id == shipment.id:
            return index
    raise MappingError("order", order.reference, "shipments", f"shipment {shipment.id} is not part of the order")


def return_index(order: Order, returned: Return) -> int:
    for index, candidate in enumerate(order.returns):
        if candidate is returned or candidate.id == returned.id:
            return index
    raise MappingError("order", order.reference, "returns", f"return {returned.id} is not part of the order")


def is_first_shipment(order: Order, shipment: Shipment) -> bool:
    """Order fees travel with the first delivery only, so split shipments do not charge them twice."""
    first = min(order.shipments, key=lambda candidate: int(delivery_appendix(order, candidate)))
    return first.id == shipment.id
