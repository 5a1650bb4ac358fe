"""Doctor: one relay of stock levels only (seed 004, "Using multiple brands").

Voyado's own Centra back-in-stock integration reads Centra's stock changes with a token of its own and sends
Engage the stock levels itself. Two things go wrong if a brand runs it beside the bridge's stock relay:

- both relay the same level: Engage gets every level twice (``back_in_stock.relay_stock_levels`` turns the
  bridge's relay off);
- if the two tokens share an integration name, they share one events queue: each confirms stock changes the
  other then never sees, and back-in-stock e-mails stop for whichever loses (seed 004).

No query shows another integration's listeners on the same types, so a shared name with the same types cannot be
proven from here: with the relay on, this check is a question for a person (CANNOT CHECK), naming the integration
the bridge's token uses. The ``centra.listeners`` check fails outright when the name is visibly shared.
"""

from engage_bridge.config import BrandConfig
from engage_bridge.doctor.report import Check, cannot_check, passed
from engage_bridge.doctor.transport import GraphQLEndpoint

CHECK = "centra.stock-relay"
_INTEGRATION_PROBE = "query DoctorStockRelay { eventListeners { integrationName objectType } }"


def stock_relay_check(centra: GraphQLEndpoint, config: BrandConfig) -> Check:
    names = _integration_names(centra)
    integration = f"integration name {', '.join(names)}" if names else "its token's integration name"
    if not config.back_in_stock.relay_stock_levels:
        return passed(
            CHECK,
            "the stock relay is off (back_in_stock.relay_stock_levels): stock levels reach Engage through Voyado's "
            f"own integration alone; the bridge's token keeps {integration}, which Voyado's must not use",
        )
    if not config.back_in_stock.warehouses_by_market:
        return passed(CHECK, "no market has warehouses (back_in_stock.warehouses_by_market): no stock level is sent")
    return cannot_check(
        CHECK,
        f"the stock relay is on and confirms Centra's stock changes under {integration}. If Voyado's Centra "
        "back-in-stock integration also runs for this brand, set back_in_stock.relay_stock_levels to false (it sends "
        "the levels itself), and make sure its token has an integration name of its own: two consumers of one name "
        "starve each other of stock changes (seed 004, Using multiple brands)",
    )


def _integration_names(centra: GraphQLEndpoint) -> list[str]:
    answer = centra.execute(_INTEGRATION_PROBE)
    data = answer.body.get("data") if answer.ok and isinstance(answer.body, dict) else None
    found = data.get("eventListeners") if isinstance(data, dict) else None
    if not isinstance(found, list):
        return []
    return sorted(
        {str(item["integrationName"]) for item in found if isinstance(item, dict) and item.get("integrationName")}
    )
