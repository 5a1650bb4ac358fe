"""Why an order must not reach Engage: store type, market, pricelist or country restrictions (seed 001).

The router skips such orders and counts each skip under the reason returned here.
"""

from typing import Literal

from engage_bridge.centra.base import Market
from engage_bridge.centra.common import Pricelist
from engage_bridge.centra.order import Order
from engage_bridge.config import BrandConfig

RestrictionReason = Literal["store_type", "market", "pricelist", "country"]


def restriction_reason(order: Order, cfg: BrandConfig) -> RestrictionReason | None:
    """The first restriction ``order`` fails, or ``None`` when it may be synced. Empty lists mean "all"."""
    rules = cfg.restrictions
    store_type = order.store.type if order.store else None
    if store_type not in rules.store_types:
        return "store_type"
    if rules.markets and not _matches(rules.markets, order.market.id if order.market else None, _name(order.market)):
        return "market"
    pricelist = order.pricelist
    if rules.pricelists and not _matches(rules.pricelists, pricelist.id if pricelist else None, _name(pricelist)):
        return "pricelist"
    country = order.shipping_address.country_code if order.shipping_address else None
    if rules.countries and (country is None or country.upper() not in {c.upper() for c in rules.countries}):
        return "country"
    return None


def _name(reference: Market | Pricelist | None) -> str | None:
    return reference.name if reference else None


def _matches(allowed: list[str], object_id: int | str | None, name: str | None) -> bool:
    """Restrictions list names or ids (``Restrictions`` in config.py); either may match."""
    candidates = {str(object_id)} if object_id is not None else set()
    if name:
        candidates.add(name)
    return bool(candidates & set(allowed))
