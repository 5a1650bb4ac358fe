"""What a routing decision is: the messages to enqueue, each on its route, and every deliberate skip with its reason."""

from dataclasses import dataclass, field
from typing import Final, Literal

from engage_bridge.messages import ContactUpsert, OrderEmail, PromotionRedemption, ReceiptPush, StockUpdate
from engage_bridge.state import Effect

Route = Literal["contact_upsert", "order_status", "receipt_push", "promotion_redemption", "stock_relay"]
Message = ContactUpsert | OrderEmail | ReceiptPush | PromotionRedemption | StockUpdate

ROUTE_OF: Final[dict[type[Message], Route]] = {
    ContactUpsert: "contact_upsert",
    OrderEmail: "order_status",
    ReceiptPush: "receipt_push",
    PromotionRedemption: "promotion_redemption",
    StockUpdate: "stock_relay",
}


def contact_effect(upsert: ContactUpsert) -> Effect | None:
    """The ledger row the contact handler writes for a customer; ``None`` for newsletter sign-ups and for
    customers without an id (see ``ContactUpsert.ledger_effect``, the one definition)."""
    return upsert.ledger_effect if upsert.customer is not None else None


@dataclass(frozen=True, slots=True)
class Routed:
    """One message for one handler queue."""

    route: Route
    message: Message

    def __post_init__(self) -> None:
        expected = ROUTE_OF[type(self.message)]
        if self.route != expected:
            raise ValueError(f"a {type(self.message).__name__} goes to {expected}, not {self.route}")

    @classmethod
    def of(cls, message: Message) -> "Routed":
        return cls(ROUTE_OF[type(message)], message)

    @property
    def business_key(self) -> str:
        return self.message.business_key

    @property
    def ledger_effect(self) -> Effect | None:
        """The ledger row that says this effect went out, where one exists (stock has its own marks)."""
        message = self.message
        if isinstance(message, OrderEmail | ReceiptPush | PromotionRedemption):
            return message.ledger_effect
        if isinstance(message, ContactUpsert):
            return contact_effect(message)
        return None


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something the object implies that is deliberately not routed; counted by ``reason``.

    ``subject`` names what was skipped without personal data: a business key, ``order:<number>``,
    ``customer:<id>`` or ``stock:<sku>@<market>``. ``effect`` is the ledger row the skipped message would have
    written, where there is one: backfill records e-mails and redemptions it suppresses there as ``skipped``
    (``historical``), so reconciliation can tell them from missing ones.
    """

    reason: str
    subject: str
    effect: Effect | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Decision:
    """``routed`` is in the order the effects should reach Engage (see ``engage_bridge.routing``)."""

    routed: list[Routed] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def business_keys(self) -> list[str]:
        return [routed.business_key for routed in self.routed]

    @property
    def skip_reasons(self) -> list[str]:
        return [skipped.reason for skipped in self.skipped]
