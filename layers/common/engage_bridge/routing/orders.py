"""Routing an order: every effect its current state implies, minus what the ledger says already went out.

The rules are ``mapping.plan``'s (docs/mapping.md, "Output"), so the router never disagrees with what
``engage-bridge map`` prints: a cancelled order gets ORDER_CANCELLED and nothing else; a failed payment gets its
ORDER_CREATED e-mail (status FAILED) and nothing else; each completed shipment gets ORDER_SHIPPED and, for
members, its purchase receipt; the promotion is redeemed once the payment succeeded (or with the first completed
shipment, by the brand's ``promotions.redeem_when``); each completed return gets ORDER_RETURNED and, for members,
its return receipt. An order on hold gets its contact only, until the hold is released.
"""

from collections.abc import Callable

from engage_bridge.centra import Customer, Order, Return, Shipment
from engage_bridge.config import BrandConfig
from engage_bridge.errors import MappingError
from engage_bridge.mapping import contact_role, payment_state, promotion_to_redeem, restriction_reason
from engage_bridge.mapping.deliveries import delivery_appendix
from engage_bridge.mapping.promotions import promotion_assignment_id
from engage_bridge.messages import ContactUpsert, OrderEmail, PromotionRedemption, ReceiptPush
from engage_bridge.routing.decision import Decision, Message, Routed, Skipped
from engage_bridge.state import Effect

AlreadySent = Callable[[Effect], bool]

_WHOLESALE_TYPES = frozenset({"WHOLESALE"})
_WHOLESALE_TYPENAMES = frozenset({"WholesaleOrder"})


class _Collector:
    """Builds a ``Decision``: routes a message unless it is blocked or the ledger has it."""

    def __init__(self, already_sent: AlreadySent) -> None:
        self._already_sent = already_sent
        self.decision = Decision()

    def offer(self, message: Message, *, blocked: str | None = None) -> None:
        routed = Routed.of(message)
        if blocked is not None:
            self.skip(blocked, routed.business_key, routed.ledger_effect)
            return
        effect = routed.ledger_effect
        if effect is not None and self._already_sent(effect):
            self.skip("already_sent", routed.business_key)
            return
        self.decision.routed.append(routed)

    def skip(self, reason: str, subject: str, effect: Effect | None = None) -> None:
        self.decision.skipped.append(Skipped(reason, subject, effect))


def route_order(order: Order, cfg: BrandConfig, already_sent: AlreadySent, *, historical: bool = False) -> Decision:
    """All effects ``order``'s current state implies that ``already_sent`` does not know, in delivery order.

    ``historical`` (backfill) routes contacts and receipts only, marked historical; e-mails and redemptions are
    skipped here as ``historical`` rather than enqueued for their handlers to skip. A ``MappingError`` from the
    order's own data (a malformed Engage contact id) propagates: every handler would refuse the order too.
    """
    subject = f"order:{order.number}"
    if reason := _restriction(order, cfg):
        return Decision(skipped=[Skipped(f"restricted_{reason}", subject)])
    if order.email is None:
        return Decision(skipped=[Skipped("no_email", subject)])

    out = _Collector(already_sent)
    _route_contact(out, order, cfg, historical)
    emails_blocked = "historical" if historical else None if cfg.transactional_emails else "transactional_emails_off"
    deliveries = _completed_deliveries(order)

    if order.is_on_hold:
        # Held (a fraud check, or waiting for the payment provider: Centra's "Hold" covers both): the contact
        # only. Releasing the hold is an Order UPDATED event, which routes the order again from its new state.
        out.skip("order_on_hold", subject)
        return out.decision

    if order.status.upper() == "CANCELLED":
        out.offer(OrderEmail(order=order, status="cancelled", historical=historical), blocked=emails_blocked)
        for delivery in deliveries:
            out.skip("order_cancelled", _delivery_subject(order, delivery))
        return out.decision

    out.offer(OrderEmail(order=order, status="created", historical=historical), blocked=emails_blocked)
    if payment_state(order) == "failed":
        for delivery in deliveries:
            out.skip("payment_failed", _delivery_subject(order, delivery))
        return out.decision

    receipts_blocked = None if contact_role(order.customer, cfg) == "member" else "not_a_member"
    redemption = _Redemption(order, cfg, historical)
    redemption.at_payment(out)
    for delivery in deliveries:
        if isinstance(delivery, Shipment):
            email = OrderEmail(order=order, status="shipped", shipment_id=delivery.id, historical=historical)
            receipt = ReceiptPush(order=order, kind="purchase", shipment_id=delivery.id, historical=historical)
        else:
            email = OrderEmail(order=order, status="returned", return_id=delivery.id, historical=historical)
            receipt = ReceiptPush(order=order, kind="return", return_id=delivery.id, historical=historical)
        out.offer(email, blocked=emails_blocked)
        out.offer(receipt, blocked=receipts_blocked)
        if isinstance(delivery, Shipment):
            redemption.after_shipment(out)
    redemption.finish(out)
    return out.decision


def order_effects(order: Order, cfg: BrandConfig, *, historical: bool = False) -> list[Effect]:
    """The ledger rows ``route_order`` asks ``already_sent`` about for ``order``, in the order it asks.

    The same whatever the ledger answers (an answer only routes or skips the effect asked about, never changes
    what is asked next), so a caller reads them all at once (the router: one ``BatchGetItem``) and then routes
    with the answers.
    """
    asked: list[Effect] = []

    def ask(effect: Effect) -> bool:
        asked.append(effect)
        return False

    route_order(order, cfg, ask, historical=historical)
    return asked


def _restriction(order: Order, cfg: BrandConfig) -> str | None:
    """The brand's restrictions, plus one no configuration lifts: wholesale orders never reach Engage (seed 003)."""
    store_type = (order.store.type or "").upper() if order.store else ""
    if store_type in _WHOLESALE_TYPES or order.typename in _WHOLESALE_TYPENAMES:
        return "store_type"
    return restriction_reason(order, cfg)


def _route_contact(out: _Collector, order: Order, cfg: BrandConfig, historical: bool) -> None:
    """The order's customer as a member (sync mode) and/or newsletter contact, at its first transaction.

    A transactional contact is not routed: the e-mail handler creates one when an e-mail needs it, as Centra's
    plugin does. Once the contact handler has recorded a write for this customer, later order events leave the
    contact alone (seed 001: customer data is sent at the first transaction); changes to the customer arrive as
    customer events (``route_customer``), which are not filtered by the ledger.
    """
    subject = f"order:{order.number}:contact"
    customer = order.customer
    if customer is None:
        # A guest without a customer record: the e-mail and receipt handlers create the contact from the order.
        out.skip("no_customer_record", subject)
        return
    is_member = contact_role(customer, cfg) == "member"
    has_newsletter_flag = cfg.newsletter_subscribers and customer.newsletter is not None
    if not (is_member or has_newsletter_flag):
        out.skip("not_a_member", subject)
        return
    out.offer(ContactUpsert(kind="customer", customer=_with_order_details(customer, order), historical=historical))


def _with_order_details(customer: Customer, order: Order) -> Customer:
    """An order's ``customer {...}`` may omit the e-mail or address the order carries; the contact needs them."""
    if customer.email and customer.billing_address:
        return customer
    address = customer.billing_address or order.billing_address or order.shipping_address
    return customer.model_copy(update={"email": customer.email or order.email, "billing_address": address})


def _completed_deliveries(order: Order) -> list[Shipment | Return]:
    """Completed shipments in delivery order (as ``plan`` sends them), then completed returns as Centra lists them."""
    shipments = sorted((s for s in order.shipments if s.is_completed), key=lambda s: _delivery_rank(order, s))
    returns = [r for r in order.returns if r.is_completed]
    return [*shipments, *returns]


def _delivery_rank(order: Order, shipment: Shipment) -> tuple[int, int]:
    # A malformed shipment number must not stop the order's other effects: it sorts last, and its own handler
    # reports the MappingError with the field when it maps the e-mail or receipt.
    try:
        return int(delivery_appendix(order, shipment)), shipment.id
    except MappingError:
        return 2**63, shipment.id


def _delivery_subject(order: Order, delivery: Shipment | Return) -> str:
    kind = "shipment" if isinstance(delivery, Shipment) else "return"
    return f"order:{order.number}:{kind}:{delivery.id}"


class _Redemption:
    """The promotion redemption: once, only after a successful payment, at the brand's ``promotions.redeem_when``.

    ``payment`` (the default): as soon as the payment succeeded. Voyado: "the checkout redeems the promotion after
    the payment has been successfully processed" (redeem a promotion); Centra's plugin marks promotions redeemed
    "when an Order is placed" (seed 001). Waiting for a shipment leaves a personal offer usable on a second order
    until then (weeks for a pre-order; audit F10). ``first_shipment``: with the first completed shipment, as seed
    000 describes ("through the receipt sent once the order is shipped"). An assignment id that is not an id is
    skipped (``promotion_id_invalid``) rather than raised, so one bad attribute cannot hold back the order's
    e-mails and receipts.
    """

    def __init__(self, order: Order, cfg: BrandConfig, historical: bool) -> None:
        self._order, self._cfg, self._historical = order, cfg, historical
        self._subject = f"order:{order.number}:redemption"
        self._done = False
        try:
            self._assignment_id = promotion_assignment_id(order, cfg)
        except MappingError:
            self._assignment_id = None
            self._invalid = True
        else:
            self._invalid = False

    def at_payment(self, out: _Collector) -> None:
        if self._cfg.promotions.redeem_when == "payment":
            self._redeem(out)

    def after_shipment(self, out: _Collector) -> None:
        if self._cfg.promotions.redeem_when == "first_shipment":
            self._redeem(out)

    def _redeem(self, out: _Collector) -> None:
        if self._done or self._assignment_id is None:
            return
        self._done = True
        if self._historical:
            out.skip("historical", self._subject, self._effect())
            return
        assignment_id = promotion_to_redeem(self._order, self._cfg)
        if assignment_id is None:
            out.skip("payment_not_settled", self._subject)
            return
        out.offer(PromotionRedemption(order_number=self._order.number, assignment_id=assignment_id))

    def finish(self, out: _Collector) -> None:
        if self._invalid:
            out.skip("promotion_id_invalid", self._subject)
        elif not self._done and self._assignment_id is not None:
            if self._historical:
                out.skip("historical", self._subject, self._effect())
            else:
                out.skip("not_shipped", self._subject)

    def _effect(self) -> Effect | None:
        """The redemption's ledger row, so a backfill records the redemption it suppressed."""
        if self._assignment_id is None:
            return None
        return PromotionRedemption(order_number=self._order.number, assignment_id=self._assignment_id).ledger_effect
