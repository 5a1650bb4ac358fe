"""What a Centra object implies, by the router's own rules, before the ledger is read.

The routing functions decide with "nothing sent yet" (``already_sent`` always false), so every effect the
object's current state implies comes back either routed (then the ledger must have a row for it) or skipped
by a routing rule with its reason (wholesale, restrictions, ``contact_sync``, a failed payment, ...).
"""

from typing import Literal

from msgspec import Struct, field

from engage_bridge.centra import Customer, Order
from engage_bridge.config import BrandConfig
from engage_bridge.errors import MappingError
from engage_bridge.mapping import contact_role
from engage_bridge.messages import ContactUpsert, ReceiptPush
from engage_bridge.pii import fingerprint
from engage_bridge.routing import Decision, route_customer, route_order
from engage_bridge.state import Effect


class ObjectRef(Struct, frozen=True):
    """A Centra object the report names: an order by number, a customer by id; the e-mail as a fingerprint."""

    kind: Literal["order", "customer"]
    id: str
    email: str | None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


class Expected(Struct, frozen=True):
    """One implied effect: routed (``effect`` is its ledger row) or skipped by routing (``skip_reason``)."""

    owner: ObjectRef
    name: str
    effect: Effect | None = None
    skip_reason: str = ""


class ContactProbe(Struct, frozen=True):
    """How to look a written contact up in Engage (spot-check); holds the e-mail, so it never leaves memory."""

    owner: ObjectRef
    email: str
    contact_type: str


class ReceiptProbe(Struct, frozen=True):
    """Where a member's receipt should show once Engage imported it: the member (by e-mail and type) and the
    ``uniqueReceiptId`` of each receipt effect. Holds the e-mail, so it never leaves memory."""

    owner: ObjectRef
    email: str
    contact_type: str
    receipt_ids: dict[str, str]  # ledger effect name -> uniqueReceiptId


class Expectations(Struct):
    effects: list[Expected]
    probes: list[ContactProbe]
    untracked: int = 0
    receipts: list[ReceiptProbe] = field(default_factory=list)


_ANY_CONTACT = "00000000-0000-0000-0000-000000000000"  # the receipt id does not depend on the contact


def _never_sent(_: Effect) -> bool:
    return False


def expected_for_order(order: Order, cfg: BrandConfig, *, receipt_probes: bool = True) -> Expectations:
    """``receipt_probes``: also the ``uniqueReceiptId`` of each receipt the order routes (``ReceiptProbe``), for a
    check of Engage's imports (``engage-bridge reconcile --receipt-imports``); the scheduled function makes none."""
    owner = ObjectRef("order", str(order.number), _email_ref(order.email))
    decision = route_order(order, cfg, _never_sent)
    prefix = f"order:{order.number}:"
    skipped = [
        Expected(owner, "order" if s.subject == prefix[:-1] else s.subject.removeprefix(prefix), skip_reason=s.reason)
        for s in decision.skipped
    ]
    expectations = _with_routed(decision, skipped, cfg, owner)
    if receipt_probes and order.email and (receipt_ids := _receipt_ids(order, decision, cfg)):
        expectations.receipts.append(ReceiptProbe(owner, order.email, cfg.contact_types.member, receipt_ids))
    return expectations


def _receipt_ids(order: Order, decision: Decision, cfg: BrandConfig) -> dict[str, str]:
    """The ``uniqueReceiptId`` of each receipt the order routes, as the receipt handler maps it."""
    # The receipt mapping and Engage's receipt models, loaded only where receipts are checked (issue 18, cold start).
    from engage_bridge.mapping import purchase_receipt, return_receipt  # noqa: PLC0415

    ids = {}
    for routed in decision.routed:
        message = routed.message
        if not isinstance(message, ReceiptPush):
            continue
        shipment, returned = message.shipment(message.shipment_id), message.returned(message.return_id)
        try:
            if message.kind == "purchase" and shipment is not None:
                receipt = purchase_receipt(order, shipment, cfg, _ANY_CONTACT)
            elif message.kind == "return" and returned is not None:
                receipt = return_receipt(order, returned, cfg, _ANY_CONTACT)
            else:
                continue
        except MappingError:  # the handler dead-letters it; the ledger shows no row to confirm
            continue
        ids[message.effect_name] = receipt.unique_receipt_id
    return ids


def expected_for_customer(customer: Customer, cfg: BrandConfig) -> Expectations:
    decision = route_customer(customer, cfg)
    owner = ObjectRef("customer", customer.reference, _email_ref(customer.email))
    skipped = [Expected(owner, "contact", skip_reason=s.reason) for s in decision.skipped]
    return _with_routed(decision, skipped, cfg, owner)


def _with_routed(decision: Decision, skipped: list[Expected], cfg: BrandConfig, source: ObjectRef) -> Expectations:
    """Routed effects, each under the object its ledger row belongs to: an order's contact write is the
    customer's (``customer#7``), so two orders of one customer expect one contact row, not two."""
    out = Expectations(effects=skipped, probes=[])
    for routed in decision.routed:
        effect = routed.ledger_effect
        if effect is None:  # a write without a ledger row (customer without an id): nothing to compare
            out.untracked += 1
            continue
        message = routed.message
        owner = (
            ObjectRef("customer", effect.subject.partition("#")[2], _email_ref(message.email))
            if isinstance(message, ContactUpsert)
            else source
        )
        out.effects.append(Expected(owner, effect.name, effect=effect))
        if isinstance(message, ContactUpsert) and (probe := _probe(owner, message, cfg)):
            out.probes.append(probe)
    return out


def _probe(owner: ObjectRef, upsert: ContactUpsert, cfg: BrandConfig) -> ContactProbe | None:
    """The contact the handler writes for this customer: the member, else the newsletter contact if subscribed."""
    customer = upsert.customer
    if customer is None or not customer.email:
        return None
    if contact_role(customer, cfg) == "member":
        return ContactProbe(owner, customer.email, cfg.contact_types.member)
    if cfg.newsletter_subscribers and customer.newsletter is True:
        return ContactProbe(owner, customer.email, cfg.contact_types.newsletter)
    return None


def _email_ref(email: str | None) -> str | None:
    return fingerprint(email) if email else None
