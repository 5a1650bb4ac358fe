"""Which Engage store an object belongs to: ``BrandConfig.store_external_id`` resolved for one object."""

import re

from msgspec import Struct

from engage_bridge.config import BrandConfig
from engage_bridge.errors import MappingError

_WHITESPACE = re.compile(r"\s")


class StoreContext(Struct, frozen=True):
    """What the template may need, plus how to name the object in an error."""

    object_kind: str
    object_id: str
    market_name: str | None = None
    country_name: str | None = None


def store_external_id(cfg: BrandConfig, context: StoreContext) -> str:
    """Substitute ``{market}`` and ``{country}``, each through its ``store_ids`` alias (a literal: its alias).

    A result with whitespace is an error, not something to repair: Engage creates unknown store ids on the
    fly, so squashing "Rest of World" into "RestofWorld" could silently create a second store.
    """
    store_id = cfg.store_template
    if "{market}" not in store_id and "{country}" not in store_id:
        store_id = cfg.store_ids.get(store_id, store_id)
    if "{market}" in store_id:
        market = context.market_name or cfg.default_market
        if not market:
            raise MappingError(context.object_kind, context.object_id, "market.name", "missing and no default_market")
        store_id = store_id.replace("{market}", cfg.store_ids.get(market, market))
    if "{country}" in store_id:
        country = context.country_name or cfg.default_country
        if not country:
            raise MappingError(context.object_kind, context.object_id, "country", "missing and no default_country")
        store_id = store_id.replace("{country}", cfg.store_ids.get(country, country))
    if _WHITESPACE.search(store_id):
        raise MappingError(
            context.object_kind,
            context.object_id,
            "store_external_id",
            f"store id {store_id!r} contains whitespace; add a store_ids entry for it",
        )
    return store_id
