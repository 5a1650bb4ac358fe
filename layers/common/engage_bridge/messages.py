"""The messages on the five handler queues: what the router decided, with the Centra state it decided on.

Each message carries the Centra objects its handler maps (a few kilobytes), so handlers never call Centra and
a message in a DLQ shows exactly what was attempted. ``business_key`` names the *effect* — the same e-mail,
receipt or redemption gets the same key however often and by whichever path it is enqueued — and is what
idempotency and the ledger are keyed on. ``historical`` marks backfill traffic: it writes contacts and
receipts, but never e-mails a customer about an old order nor redeems an old promotion.
"""

from abc import abstractmethod
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, computed_field, model_validator

from engage_bridge.centra import NewsletterSubscription, Order, Return, Shipment, StockLevel
from engage_bridge.centra.customer import Customer
from engage_bridge.centra.stock import SkuStock
from engage_bridge.pii import fingerprint
from engage_bridge.state import Effect

OrderStatus = Literal["created", "shipped", "cancelled", "returned"]


class ResendRequest(BaseModel):
    """An operator's ``engage-bridge resend``: who asked, why, and whether they overrode the ledger's "sent".

    A resend is its own business key (``…:resend:<request_id>``), so idempotency does not answer it with the
    original's outcome, while the ledger effect stays the original's: a resent e-mail is still that e-mail.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    request_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")
    requested_by: str = Field(min_length=1, max_length=300)
    reason: str = Field(default="", max_length=500)
    force: bool = False

    def ledger_effect(self, effect: Effect) -> Effect:
        """The ledger row recording this request next to the effect it resends."""
        return Effect(effect.subject, f"resend#{effect.name}#{self.request_id}")


class _Message(BaseModel):
    # Serialised messages include their computed business_key; it is derived again on the way in, so it
    # and any field a newer router adds are ignored rather than refused (rolling deploys).
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    historical: bool = False
    resend: ResendRequest | None = None

    def _resend_suffix(self) -> str:
        return f":resend:{self.resend.request_id}" if self.resend is not None else ""


class ContactUpsert(_Message):
    """A customer record (member or transactional contact) or a newsletter subscription changed; or (``erasure``)
    a customer was deleted in Centra, and ``customer`` holds only its id (``effects.erasure``)."""

    kind: Literal["customer", "newsletter", "erasure"]
    customer: Customer | None = None
    subscription: NewsletterSubscription | None = None

    @model_validator(mode="after")
    def _carries_its_object(self) -> "ContactUpsert":
        if (self.kind in ("customer", "erasure")) != (self.customer is not None) or (self.kind == "newsletter") != (
            self.subscription is not None
        ):
            raise ValueError(f"a {self.kind} upsert carries exactly its {self.kind} object")
        return self

    @property
    def email(self) -> str | None:
        holder = self.customer if self.kind != "newsletter" else self.subscription
        return holder.email if holder else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def business_key(self) -> str:
        # The content is part of the key: the same customer changed twice is two writes, not a duplicate.
        holder = self.customer if self.kind != "newsletter" else self.subscription
        content = holder.model_dump_json(by_alias=True) if holder else ""
        return f"contact:{self.kind}:{fingerprint(self.email or '')}:{fingerprint(content)}{self._resend_suffix()}"

    @property
    def correlation_id(self) -> str:
        holder = self.customer if self.kind != "newsletter" else self.subscription
        return f"{self.kind}:{holder.reference if holder else '?'}"

    @property
    def ledger_effect(self) -> Effect | None:
        """The ledger row this write is recorded under; None where a row could not tell two people apart."""
        if self.customer is not None:
            name = "erasure" if self.kind == "erasure" else "contact"
            return None if self.customer.id is None else Effect(f"customer#{self.customer.reference}", name)
        if self.subscription is not None and self.subscription.email:
            return Effect(f"subscriber#{fingerprint(self.subscription.email)}", "contact:newsletter")
        return None


class _OrderEffect(_Message):
    """A message whose effect belongs to one order: keyed, logged and recorded in the ledger under it."""

    @abstractmethod
    def _order_id(self) -> int:
        """The order's number."""

    @property
    @abstractmethod
    def effect_name(self) -> str:
        """Which effect on that order, e.g. ``email:shipped:shipment:3101``."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def business_key(self) -> str:
        return f"order:{self._order_id()}:{self.effect_name}{self._resend_suffix()}"

    @property
    def ledger_effect(self) -> Effect:
        return Effect(f"order#{self._order_id()}", self.effect_name)

    @property
    def correlation_id(self) -> str:
        return f"order:{self._order_id()}"


class _AboutAnOrder(_OrderEffect):
    order: Order

    def _order_id(self) -> int:
        return self.order.number

    def shipment(self, shipment_id: int | None) -> Shipment | None:
        return next((s for s in self.order.shipments if s.id == shipment_id), None)

    def returned(self, return_id: int | None) -> Return | None:
        return next((r for r in self.order.returns if r.id == return_id), None)


class OrderEmail(_AboutAnOrder):
    """A transactional e-mail through Engage ``/orders``: one per order status, shipment or return."""

    status: OrderStatus
    shipment_id: int | None = None
    return_id: int | None = None

    @model_validator(mode="after")
    def _names_its_delivery(self) -> "OrderEmail":
        if (self.status == "shipped") != (self.shipment_id is not None):
            raise ValueError("shipment_id is required for, and only for, status shipped")
        if (self.status == "returned") != (self.return_id is not None):
            raise ValueError("return_id is required for, and only for, status returned")
        return self

    @property
    def effect_name(self) -> str:
        """The ledger name of this e-mail: one per shipment (seed 003's split-shipment duplicates), per return,
        and for order creation one per payment state — Centra's plugin mails "order created", "payment
        successful" and "payment failed" separately, all as ORDER_CREATED with their payment status."""
        if self.status == "shipped":
            return f"email:shipped:shipment:{self.shipment_id}"
        if self.status == "returned":
            return f"email:returned:return:{self.return_id}"
        if self.status == "created":
            # Imported here: the functions that only carry messages (webhook, poller) need no mapping at cold start.
            from engage_bridge.mapping.payments import payment_state  # noqa: PLC0415

            return f"email:created:{payment_state(self.order)}"
        return f"email:{self.status}"


class ReceiptPush(_AboutAnOrder):
    """A purchase receipt for a delivered shipment, or a return receipt for a completed return."""

    kind: Literal["purchase", "return"]
    shipment_id: int | None = None
    return_id: int | None = None

    @model_validator(mode="after")
    def _names_its_delivery(self) -> "ReceiptPush":
        if self.kind == "purchase" and (self.shipment_id is None or self.return_id is not None):
            raise ValueError("a purchase receipt names its shipment_id and no return_id")
        if self.kind == "return" and self.return_id is None:
            raise ValueError("a return receipt names its return_id")
        return self

    @property
    def effect_name(self) -> str:
        if self.kind == "purchase":
            return f"receipt:purchase:shipment:{self.shipment_id}"
        return f"receipt:return:return:{self.return_id}"


class PromotionRedemption(_OrderEffect):
    """Redeem the Engage promotion assignment an order used; the router sends it only once payment succeeded."""

    order_number: int
    assignment_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")

    def _order_id(self) -> int:
        return self.order_number

    @property
    def effect_name(self) -> str:
        return f"redemption:{self.assignment_id}"


class StockUpdate(_Message):
    """The free-to-allocate quantity of one SKU in one market at ``event_time`` (absolute, not a delta)."""

    level: StockLevel
    event_time: AwareDatetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def business_key(self) -> str:
        return f"stock:{self.level.reference}:{self.level.free_to_allocate_quantity}:{_stamp(self.event_time)}"

    @property
    def correlation_id(self) -> str:
        return f"stock:{self.level.reference}"


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


IngestSource = Literal["events", "webhook", "backfill", "reconcile"]
# "product": a display or product changed; it only marks the product feed stale (product_feed/refresh.py).
IngestObject = Literal["order", "shipment", "return", "customer", "newsletter_subscription", "stock_change", "product"]


class IngestEvent(_Message):
    """Something changed in Centra: which object, and who noticed. The router fetches its current state.

    Events and webhooks carry ids only, and the object an event names may have changed again since; so the
    message names the object and the router decides from what Centra holds now, plus the ledger.
    ``object_id`` is the order *number* for orders (as Centra's events use it) and the id for everything else.
    """

    source: IngestSource
    object_type: IngestObject
    object_id: int = Field(ge=0)
    change: str | None = Field(default=None, max_length=40)  # event changeType or webhook action
    centra_event_id: int | None = None
    occurred_at: datetime | None = None
    # A stock change names the product sizes it touched, with their free-to-allocate quantity per warehouse as
    # read with the event at ``stock_read_at``; the router sums them per market (BrandConfig.back_in_stock).
    skus: tuple[str, ...] = ()
    stock: tuple[SkuStock, ...] = ()
    stock_read_at: datetime | None = None
    # A large stock change is split into parts (each an SQS message well under its size limit); each part is its
    # own ingest message, so the part number is part of the key.
    stock_part: int | None = Field(default=None, ge=1)
    # By when the change happened at the latest, on this stack's clock: the webhook's arrival, or the event's
    # createdAt plus its allowance (``route_marks``). A read that started later has routed it; None: always route.
    changed_by: AwareDatetime | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def business_key(self) -> str:
        # The poller and the webhook may both report one change: the key keeps their sources apart, and the
        # router's effects are deduplicated downstream anyway (handlers key on the effect, not on this).
        seen = self.centra_event_id if self.centra_event_id is not None else self.occurred_at
        part = f":part{self.stock_part}" if self.stock_part is not None else ""
        return f"ingest:{self.source}:{self.object_type}:{self.object_id}:{self.change or ''}:{seen}{part}"

    @property
    def correlation_id(self) -> str:
        return f"{self.object_type}:{self.object_id}"
