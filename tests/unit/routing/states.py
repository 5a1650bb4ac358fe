"""Order states for routing tests, a fake ledger, and readable labels for what a decision routed."""

from collections.abc import Iterable, Sequence
from typing import Any

from engage_bridge.centra import Order
from engage_bridge.messages import ContactUpsert
from engage_bridge.routing import Decision
from engage_bridge.state import Effect
from tests.unit.mapping.builders import order, order_document

PROMOTION = "5c0d52a2-3b1c-4f51-9a55-0f2a9e1b7c10"
PREFIX = "order:500:"


class FakeLedger:
    """The ledger as the router sees it: the effects recorded as sent."""

    def __init__(self, sent: Iterable[Effect] = ()) -> None:
        self.sent: set[Effect] = set(sent)

    def __call__(self, effect: Effect) -> bool:
        return effect in self.sent

    def record(self, decision: Decision) -> None:
        """What the handlers write once they sent what was routed (stock and anonymous contacts write nothing)."""
        for routed in decision.routed:
            if routed.ledger_effect is not None:
                self.sent.add(routed.ledger_effect)


def order_state(
    *,
    payments: Sequence[str] = ("SUCCESS",),
    shipped: Sequence[int] = (),
    unshipped: Sequence[int] = (),
    returns: Sequence[tuple[int, str]] = (),
    status: str = "PROCESSING",
    promotion: str | None = None,
    customer: dict[str, Any] | None = None,
    no_customer: bool = False,
    **top_level: Any,
) -> Order:
    """Order 500 as Centra holds it at one moment. Shipment ``n`` is id ``10 + n``, number ``500-n``."""
    document = order_document()
    document["status"] = status
    document["paymentHistory"] = [
        {"id": i, "status": state, "entryType": "AUTHORIZATION"} for i, state in enumerate(payments, start=1)
    ]
    document["shipments"] = [_shipment(n, is_shipped=True) for n in shipped] + [
        _shipment(n, is_shipped=False) for n in unshipped
    ]
    document["returns"] = [
        {"id": return_id, "returnStatus": state, "createdAt": "2024-05-10T12:00:00+02:00", "lines": []}
        for return_id, state in returns
    ]
    if promotion is not None:
        document["attributes"] = [{"type": {"name": "voyado_promotion_id"}, "elements": [{"value": promotion}]}]
    if customer is not None:
        document["customer"].update(customer)
    if no_customer:
        document["customer"] = None
    document.update(top_level)
    return order(document)


def _shipment(n: int, *, is_shipped: bool) -> dict[str, Any]:
    shipment: dict[str, Any] = {
        "id": 10 + n,
        "number": f"500-{n}",
        "createdAt": "2024-05-03T08:00:00+02:00",
        "isShipped": is_shipped,
        "lines": [],
    }
    if is_shipped:
        shipment["shippedAt"] = "2024-05-03T16:00:00+02:00"
    return shipment


def labels(decision: Decision) -> list[str]:
    """Business keys without the ``order:500:`` prefix; contacts (whose keys are hashes) as ``contact:<kind>``."""
    out = []
    for routed in decision.routed:
        message = routed.message
        if isinstance(message, ContactUpsert):
            out.append(f"contact:{message.kind}")
        else:
            out.append(routed.business_key.removeprefix(PREFIX))
    return out


def reasons(decision: Decision) -> list[str]:
    return sorted(decision.skip_reasons)
