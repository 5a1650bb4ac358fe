"""What a routing decision is: the messages to enqueue, each on its route, and every deliberate skip with its reason."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Literal, cast

from msgspec import Struct, field

from engage_bridge.state import Effect

if TYPE_CHECKING:
    from engage_bridge.messages import ContactUpsert, OrderEmail, PromotionRedemption, ReceiptPush, StockUpdate

Route = Literal["contact_upsert", "order_status", "receipt_push", "promotion_redemption", "stock_relay"]
type Message = ContactUpsert | OrderEmail | ReceiptPush | PromotionRedemption | StockUpdate

# Each message's route, by its class: the classes are not imported here, so a function that routes only contacts
# and receipts (backfill, reconciliation) does not define the stock relay's message (issue 18, cold start).
_ROUTE_OF_MESSAGE: Final[dict[str, Route]] = {
    "engage_bridge.messages.contacts.ContactUpsert": "contact_upsert",
    "engage_bridge.messages.order_email.OrderEmail": "order_status",
    "engage_bridge.messages.receipt_push.ReceiptPush": "receipt_push",
    "engage_bridge.messages.promotion_redemption.PromotionRedemption": "promotion_redemption",
    "engage_bridge.messages.stock.StockUpdate": "stock_relay",
}


def route_of(message: Message) -> Route:
    """The handler queue ``message`` goes to (``KeyError`` for anything that is not one of the five messages)."""
    kind = type(message)
    return _ROUTE_OF_MESSAGE[f"{kind.__module__}.{kind.__qualname__}"]


def contact_effect(upsert: "ContactUpsert") -> Effect | None:
    """The ledger row the contact handler writes for a customer; ``None`` for newsletter sign-ups and for
    customers without an id (see ``ContactUpsert.ledger_effect``, the one definition)."""
    return upsert.ledger_effect if upsert.customer is not None else None


class Routed(Struct, frozen=True):
    """One message for one handler queue."""

    route: Route
    message: Message

    def __post_init__(self) -> None:
        expected = route_of(self.message)
        if self.route != expected:
            raise ValueError(f"a {type(self.message).__name__} goes to {expected}, not {self.route}")

    @classmethod
    def of(cls, message: Message) -> "Routed":
        return cls(route_of(message), message)

    @property
    def business_key(self) -> str:
        return self.message.business_key

    @property
    def ledger_effect(self) -> Effect | None:
        """The ledger row that says this effect went out, where one exists (stock has its own marks)."""
        message = self.message
        if self.route == "stock_relay":
            return None
        if self.route == "contact_upsert":
            return contact_effect(cast("ContactUpsert", message))
        return cast("OrderEmail | ReceiptPush | PromotionRedemption", message).ledger_effect


class Skipped(Struct, frozen=True):
    """Something the object implies that is deliberately not routed; counted by ``reason``.

    ``subject`` names what was skipped without personal data: a business key, ``order:<number>``,
    ``customer:<id>`` or ``stock:<sku>@<market>``. ``effect`` is the ledger row the skipped message would have
    written, where there is one: backfill records e-mails and redemptions it suppresses there as ``skipped``
    (``historical``), so reconciliation can tell them from missing ones.
    """

    reason: str
    subject: str
    effect: Effect | None = None

    # Equal on reason and subject alone: ``effect`` is bookkeeping for backfill, not part of what was skipped.
    # (A Struct compares every field; these two keep the dataclass's ``compare=False`` on ``effect``.)
    def __eq__(self, other: object) -> bool:
        if type(other) is not Skipped:
            return NotImplemented
        return (self.reason, self.subject) == (other.reason, other.subject)

    def __hash__(self) -> int:
        return hash((self.reason, self.subject))


class Decision(Struct, frozen=True):
    """``routed`` is in the order the effects should reach Engage (see ``engage_bridge.routing``)."""

    routed: list[Routed] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def business_keys(self) -> list[str]:
        return [routed.business_key for routed in self.routed]

    @property
    def skip_reasons(self) -> list[str]:
        return [skipped.reason for skipped in self.skipped]

    def without_queued(self, queued: Callable[[Routed], bool]) -> "Decision":
        """This decision less the messages ``queued`` says are on their handler queues already, each skipped as
        ``already_queued`` (under its business key): another report of the change routed the very same message
        a moment ago, and its handler would only skip this copy as a duplicate. The rest keep their order."""
        routed: list[Routed] = []
        again: list[Skipped] = []
        for each in self.routed:
            if queued(each):
                again.append(Skipped("already_queued", each.business_key))
            else:
                routed.append(each)
        return Decision(routed, [*self.skipped, *again]) if again else self
