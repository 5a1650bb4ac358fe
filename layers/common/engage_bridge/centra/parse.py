"""Turn Centra JSON into a model, choosing the model by ``__typename`` or by an explicit kind.

A document that does not fit its model raises ``MappingError`` naming the first bad field; pydantic's own
messages carry no input values, so no personal data reaches the error.
"""

from typing import Any, Final, Literal, cast, get_args

from pydantic import BaseModel, ValidationError

from engage_bridge.centra.customer import Customer, NewsletterSubscription
from engage_bridge.centra.order import Order
from engage_bridge.centra.stock import StockLevel
from engage_bridge.errors import MappingError

CentraKind = Literal["order", "customer", "newsletter_subscription", "stock_level"]
CentraObject = Order | Customer | NewsletterSubscription | StockLevel

CENTRA_KINDS: Final[tuple[CentraKind, ...]] = get_args(CentraKind)

KIND_BY_TYPENAME: Final[dict[str, CentraKind]] = {
    "Order": "order",
    "DirectToConsumerOrder": "order",
    "WholesaleOrder": "order",
    "Customer": "customer",
    "NewsletterSubscription": "newsletter_subscription",
    "StockLevel": "stock_level",  # our name: Centra has no single stock-level type (see docs/mapping.md)
}

_MODEL_BY_KIND: Final[dict[CentraKind, type[BaseModel]]] = {
    "order": Order,
    "customer": Customer,
    "newsletter_subscription": NewsletterSubscription,
    "stock_level": StockLevel,
}

# Keys that name an object in errors, in order of preference; none of them is personal data.
_ID_KEYS: Final[tuple[str, ...]] = ("number", "id")


def detect_kind(document: dict[str, Any]) -> CentraKind:
    typename = document.get("__typename")
    if not isinstance(typename, str):
        raise MappingError("object", _object_id(document), "__typename", "missing; pass the kind explicitly")
    kind = KIND_BY_TYPENAME.get(typename)
    if kind is None:
        raise MappingError("object", _object_id(document), "__typename", f"unsupported type {typename!r}")
    return kind


def parse_centra_object(document: object, kind: CentraKind | None = None) -> CentraObject:
    """Validate ``document`` (parsed JSON) as a Centra object of ``kind`` (default: from ``__typename``)."""
    if not isinstance(document, dict):
        raise MappingError(kind or "object", "<unknown>", "<document>", "not a JSON object")
    resolved = kind or detect_kind(document)
    model = _MODEL_BY_KIND[resolved]
    try:
        parsed = model.model_validate(document)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or "<document>"
        raise MappingError(resolved, _object_id(document), field, first["msg"]) from None
    return cast(CentraObject, parsed)  # the model chosen for ``resolved`` is one of CentraObject's members


def _object_id(document: dict[str, Any]) -> str:
    for key in _ID_KEYS:
        value = document.get(key)
        if isinstance(value, int | str) and not isinstance(value, bool) and str(value).strip():
            return str(value)[:64]
    return "<unknown>"
