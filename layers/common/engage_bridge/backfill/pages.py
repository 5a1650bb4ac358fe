"""One page of Centra history, decided as live traffic would be, with ``historical=True``.

Customers go through ``route_customer``, orders (with their shipments and returns) through ``route_order``;
what those route is split by kind: contacts become ``PendingContact``s for the bulk API, receipts stay messages
for the receipt handler's queue, and the e-mails and redemptions the router holds back for history are listed
with their ledger rows. Every skip is counted by its reason.
"""

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, cast

from msgspec import Struct, field

from engage_bridge.backfill.bulk import PendingContact
from engage_bridge.backfill.run import BackfillWindow, FailedObject, Kind
from engage_bridge.centra import Customer
from engage_bridge.config import BrandConfig
from engage_bridge.errors import MappingError
from engage_bridge.mapping import contact_role, customer_contact, member_update
from engage_bridge.mapping.contacts import newsletter_contact_of_customer
from engage_bridge.mapping.email import require_email
from engage_bridge.messages import ContactUpsert
from engage_bridge.routing import Decision, route_customer
from engage_bridge.state import Effect

if TYPE_CHECKING:  # the order rules load with the first order page (``_order``): customer pages need none of them
    from engage_bridge.centra import Order  # nor the order models (read by the client) and the order messages
    from engage_bridge.messages import ReceiptPush
    from engage_bridge.routing import AlreadySent

PAGE_SIZE: dict[Kind, int] = {"customers": 200, "orders": 100}  # Centra allows 1..200; orders are large


class CentraHistory(Protocol):
    """The part of ``CentraClient`` the backfill pages through."""

    def customers_updated_between(
        self, from_: datetime, to: datetime, *, page: int = 1, limit: int = 100
    ) -> list[Customer]: ...

    def orders_created_between(
        self, from_: datetime, to: datetime, *, page: int = 1, limit: int = 100
    ) -> "list[Order]": ...


class PageWork(Struct):
    read: int = 0
    last_page: bool = True
    position: datetime | None = None
    contacts: dict[tuple[str, str], PendingContact] = field(default_factory=dict)
    receipts: "list[ReceiptPush]" = field(default_factory=list)
    suppressed: list[Effect] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    failures: list[FailedObject] = field(default_factory=list)


def read_page(  # noqa: PLR0917 - the cursor, the source and the rules, each needed
    kind: Kind,
    page: int,
    window: BackfillWindow,
    centra: CentraHistory,
    cfg: BrandConfig,
    already_sent: "AlreadySent",
    page_size: int | None = None,
) -> PageWork:
    limit = page_size or PAGE_SIZE[kind]
    work = PageWork()
    # Centra's filters include both ends; the window excludes ``until``, so an object exactly at it is left out.
    if kind == "customers":
        customers = centra.customers_updated_between(window.since, window.until, page=page, limit=limit)
        work.read, work.last_page = len(customers), len(customers) < limit
        for customer in customers:
            _customer(work, customer, cfg)
    else:
        orders = centra.orders_created_between(window.since, window.until, page=page, limit=limit)
        work.read, work.last_page = len(orders), len(orders) < limit
        for order in orders:
            if order.created_at >= window.until:
                work.counts["skipped_outside_window"] += 1
                continue
            work.position = max(filter(None, (work.position, order.created_at)), default=None)
            _order(work, order, cfg, already_sent)
    work.counts["read"] += work.read
    return work


def _customer(work: PageWork, customer: Customer, cfg: BrandConfig) -> None:
    decide = lambda: route_customer(customer, cfg, historical=True)  # noqa: E731 - deferred so errors are caught
    _apply(work, "customers", f"customer:{customer.reference}", cfg, decide)


def _order(work: PageWork, order: "Order", cfg: BrandConfig, already_sent: "AlreadySent") -> None:
    from engage_bridge.routing import route_order  # noqa: PLC0415 - order pages only

    decide = lambda: route_order(order, cfg, already_sent, historical=True)  # noqa: E731
    _apply(work, "orders", f"order:{order.number}", cfg, decide)


def _apply(work: PageWork, kind: Kind, subject: str, cfg: BrandConfig, decide: Callable[[], Decision]) -> None:
    try:
        decision = decide()
        contacts = [
            pending
            for routed in decision.routed
            if isinstance(routed.message, ContactUpsert)
            for pending in pending_contacts(routed.message, cfg)
        ]
    except MappingError as error:
        # Permanent for this object; the run goes on, and the failure stays listed in the run's status.
        work.counts["failed_mapping_error"] += 1
        work.failures.append(FailedObject(kind=kind, subject=subject, reason=f"mapping_error: {error.field}"))
        return
    for contact in contacts:
        work.contacts[(contact.contact_type, str(contact.create["email"]).casefold())] = contact
    for routed in decision.routed:
        if routed.route == "receipt_push":  # a ReceiptPush (``Routed`` checks the route of its message's class)
            work.receipts.append(cast("ReceiptPush", routed.message))
        elif not isinstance(routed.message, ContactUpsert):  # pragma: no cover - historical routing never does this
            raise AssertionError(f"historical routing produced a {routed.route} message")
    for skipped in decision.skipped:
        work.counts[f"skipped_{skipped.reason}"] += 1
        if skipped.reason == "historical" and skipped.effect is not None:
            work.suppressed.append(skipped.effect)


def pending_contacts(upsert: ContactUpsert, cfg: BrandConfig) -> list[PendingContact]:
    """The contacts a customer upsert writes, as the live contact handler would: the member (create with all
    known, update only under ``customer_updates``) and the newsletter contact (preference always; created only
    for a subscriber)."""
    customer = upsert.customer
    if customer is None:  # backfill routes customers only; newsletter sign-ups are not part of a window
        return []
    subject = f"customer:{customer.reference}"
    email = require_email("customer", customer.reference, customer.email)
    contacts = []
    if contact_role(customer, cfg) == "member":
        member = customer_contact(customer, cfg)
        update = member_update(customer, cfg)
        changes = {"email": email, **(update.body() if update is not None else {})}
        effect = upsert.ledger_effect
        contacts.append(PendingContact(subject, member.contact_type, member.body(), changes, True, effect))
    if cfg.newsletter_subscribers and customer.newsletter is not None:
        subscriber = newsletter_contact_of_customer(customer, email, cfg)
        subscribed = customer.newsletter is True
        # A replay never writes a yes over an existing contact (consent rules, docs/mapping.md): the bulk PATCH
        # carries a no, which always goes through, and only a contact created here carries the yes.
        preference = {"email": email, **({} if subscribed else {"preferences": {"acceptsEmail": False}})}
        effect = upsert.ledger_effect
        contacts.append(
            PendingContact(subject, subscriber.contact_type, subscriber.body(), preference, subscribed, effect)
        )
    return contacts
