"""The demo's check: what Engage must hold after a scenario ran (``expected_effects``), and where it differs.

The expectation is derived from the shop and the documented rules (docs/mapping.md, seeds 000-004, the brand
configuration) through ``demo.rules``, never through ``engage_bridge.routing`` or the effects, so a bug in the
bridge shows up as a ``Difference`` instead of being expected too. Everything is keyed by business identity:
an e-mail by (order, status, payment status, shipment or return), a receipt by ``uniqueReceiptId``, a contact
by (e-mail, contact type). E-mail addresses are held and reported only as fingerprints (``engage_bridge.pii``).
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise
from typing import Any, Literal

from engage_bridge.config import BrandConfig
from engage_bridge.pii import fingerprint
from engage_bridge_tools.demo import rules
from engage_bridge_tools.demo.history import RunHistory, run_history
from engage_bridge_tools.demo.scenario import Scenario
from engage_bridge_tools.demo.summary import summarize

__all__ = [
    "Difference",
    "ExpectedContact",
    "ExpectedEffects",
    "ExpectedReceipt",
    "compare",
    "expected_effects",
    "summarize",
]

Entry = dict[str, Any]
Signature = tuple[Any, ...]  # how an /orders body identifies its shipment or return; () for created/cancelled
EmailKey = tuple[str, str, str, Signature]  # (order number, orderStatus, paymentStatus, signature)
ContactKey = tuple[str, str]  # (e-mail fingerprint, contact type)
LevelKey = tuple[str, str | None, str | None]  # (SKU, locale, externalId)
SubscriptionKey = tuple[str, str, str | None, str | None]  # (e-mail fingerprint, SKU, locale, externalId)


@dataclass(frozen=True, order=True)
class Difference:
    kind: str  # email, receipt, contact, redemption, stock_level, back_in_stock, wholesale
    subject: str  # names the object: order number, shipment number, receipt id, e-mail fingerprint
    expected: str
    actual: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}: expected {self.expected}, got {self.actual}"


@dataclass(frozen=True)
class ExpectedContact:
    label: str
    names: tuple[str, str] | None = None  # (firstName, lastName) it must hold; None: not checked
    accepts_email: bool | None = None  # preferences.acceptsEmail; None: not checked
    optional: bool = False  # may exist once or not at all (the rules leave it open)


@dataclass(frozen=True)
class ExpectedReceipt:
    order_number: str
    kind: Literal["purchase", "return"]
    label: str
    member: str  # fingerprint of the member's e-mail: the receipt's contact must be that member


@dataclass
class ExpectedEffects:
    shipped_tag: str = "ORDER_SHIPPED"
    returned_tag: str = "ORDER_RETURNED"
    member_type: str = "member"
    emails: Counter[EmailKey] = field(default_factory=Counter)
    email_labels: dict[EmailKey, str] = field(default_factory=dict)
    recipients: dict[str, str] = field(default_factory=dict)  # order number -> e-mail fingerprint
    receipts: dict[str, ExpectedReceipt] = field(default_factory=dict)
    contacts: dict[ContactKey, ExpectedContact] = field(default_factory=dict)
    redeemed: set[str] = field(default_factory=set)  # assignments Engage must show redeemed through the bridge
    not_redeemed: set[str] = field(default_factory=set)
    stock_levels: dict[LevelKey, int] = field(default_factory=dict)
    notifications: Counter[SubscriptionKey] = field(default_factory=Counter)
    subscriptions_left: Counter[SubscriptionKey] = field(default_factory=Counter)
    restricted_orders: set[str] = field(default_factory=set)  # wholesale (and other restricted) orders
    restricted_recipients: set[str] = field(default_factory=set)  # addresses only restricted orders carry


def email_label(fp: str) -> str:
    return f"email:{fp}"


# -- the expectation -------------------------------------------------------------------------------------------


def expected_effects(scenario: Scenario, final_shop: dict[str, Any], config: BrandConfig) -> ExpectedEffects:
    """What Engage must hold once every phase of ``scenario`` ran and drained; ``final_shop`` is Centra's end state."""
    history = run_history(scenario, final_shop)
    out = ExpectedEffects(
        shipped_tag=config.order_status_tags.shipped,
        returned_tag=config.order_status_tags.returned,
        member_type=config.contact_types.member,
    )
    oracle = _Oracle(out, config, scenario, final_shop, history)
    oracle.seeded_contacts()
    for order in final_shop.get("orders", []):
        if order["number"] in history.orders:
            oracle.order(order)
    for customer_id in sorted(history.customer_events):
        oracle.customer_event(customer_id)
    oracle.newsletter_subscriptions()
    oracle.promotions()
    oracle.stock()
    out.restricted_recipients -= {fp for fp, _ in out.contacts}
    return out


class _Oracle:
    def __init__(
        self, out: ExpectedEffects, cfg: BrandConfig, scenario: Scenario, shop: Entry, history: RunHistory
    ) -> None:
        self.out, self.cfg, self.scenario, self.shop, self.history = out, cfg, scenario, shop, history
        self.customers = {customer["id"]: customer for customer in shop.get("customers", [])}
        self.seeded = {
            (fingerprint(str(item["email"])), str(item.get("contactType") or "Member"))
            for item in scenario.engage_seed.get("contacts", [])
            if item.get("email")
        }
        self.to_redeem: set[str] = set()
        # Addresses whose member opted out in Engage before the run: Engage is the master of preferences.
        self.opted_out_in_engage = {
            fingerprint(str(item["email"]))
            for item in scenario.engage_seed.get("contacts", [])
            if item.get("email") and (item.get("preferences") or {}).get("acceptsEmail") is False
        }

    # contacts

    def seeded_contacts(self) -> None:
        for key in self.seeded:
            self._contact(key, ExpectedContact("seeded contact"))

    def _contact(self, key: ContactKey, wanted: ExpectedContact) -> None:
        """Several reasons may expect one contact; what they disagree on is left unchecked."""
        held = self.out.contacts.get(key)
        if held is None:
            self.out.contacts[key] = wanted
            return
        self.out.contacts[key] = ExpectedContact(
            held.label,
            _agreed(held.names, wanted.names),
            _agreed(held.accepts_email, wanted.accepts_email),
            held.optional and wanted.optional,
        )

    def _member(self, email: str, customer: Entry | None) -> None:
        key = (fingerprint(email), self.cfg.contact_types.member)
        self._contact(key, ExpectedContact(f"member {email_label(key[0])}", self._names(key, customer)))

    def _names(self, key: ContactKey, customer: Entry | None) -> tuple[str, str] | None:
        """Names are checked where the rules fix them: from the customer record, and with customer_updates on,
        or for a member created after the customer last changed (not seeded, never updated)."""
        if customer is None:
            return None
        if not self.cfg.customer_updates and (key in self.seeded or customer["id"] in self.history.customers_changed):
            return None
        billing = customer.get("billingAddress") or {}
        first = customer.get("firstName") or billing.get("firstName")
        last = customer.get("lastName") or billing.get("lastName")
        return (str(first), str(last)) if first and last else None

    def _newsletter_of_customer(self, email: str, customer: Entry) -> None:
        if not self.cfg.newsletter_subscribers:
            return
        key = (fingerprint(email), self.cfg.contact_types.newsletter)
        subscribed = customer.get("newsletter") is True
        if subscribed and key[0] in self.opted_out_in_engage:
            # Centra's flag is stale (docs/mapping.md "Consent"): no yes, the member keeps its no.
            self._contact(key, ExpectedContact(f"newsletter contact {email_label(key[0])}", optional=True))
            member = (key[0], self.cfg.contact_types.member)
            self._contact(member, ExpectedContact(f"member {email_label(key[0])}", accepts_email=False))
            return
        # Unsubscribed and never subscribed: no contact is created; subscribed once, then off: left open.
        if subscribed:
            self._contact(key, ExpectedContact(f"newsletter contact {email_label(key[0])}", accepts_email=True))

    def customer_event(self, customer_id: int) -> None:
        customer = self.customers.get(customer_id)
        if customer is None or not customer.get("email"):
            return
        if rules.is_member(customer, self.cfg):
            self._member(str(customer["email"]), customer)
        self._newsletter_of_customer(str(customer["email"]), customer)

    def newsletter_subscriptions(self) -> None:
        if not self.cfg.newsletter_subscribers:
            return
        initial = {item["id"] for item in self.scenario.shop.get("newsletterSubscriptions", [])}
        for subscription in self.shop.get("newsletterSubscriptions", []):
            if subscription["id"] in initial or not subscription.get("email"):
                continue
            key = (fingerprint(str(subscription["email"])), self.cfg.contact_types.newsletter)
            label = f"newsletter contact {email_label(key[0])}"
            if subscription.get("subscribed", True):
                self._contact(key, ExpectedContact(label, accepts_email=True))
            else:
                self._contact(key, ExpectedContact(label, optional=True))

    # orders

    def order(self, order: Entry) -> None:
        number = str(order["number"])
        customer = self.customers.get((order.get("customer") or {}).get("id"))
        email = rules.order_email(order, customer)
        if rules.restricted(order, self.shop, self.cfg):
            self.out.restricted_orders.add(number)
            if email:
                self.out.restricted_recipients.add(fingerprint(email))
            return
        if email is None:
            return
        fp = fingerprint(email)
        self.out.recipients[number] = fp
        member = rules.is_member(customer, self.cfg)
        if customer is not None:
            if member:
                self._member(email, customer)
            self._newsletter_of_customer(email, customer)

        receipts_before = len(self.out.receipts)
        emails = self._emails(order, member, fp)
        if member and len(self.out.receipts) > receipts_before:
            self._member(email, customer)  # the receipt handler finds or creates the member
        if emails and self.cfg.transactional_emails:
            for key, label in emails:
                self.out.emails[key] += 1
                self.out.email_labels[key] = label
            if member:
                self._member(email, customer)  # the e-mail handler finds or creates the order's contact
            else:
                contact_type = self.cfg.contact_types.transactional
                self._contact((fp, contact_type), ExpectedContact(f"{contact_type} {email_label(fp)}"))

    def _emails(self, order: Entry, member: bool, fp: str) -> list[tuple[EmailKey, str]]:
        """Docs/mapping.md "Output": the e-mails an order's states imply; receipts and the redemption on the way."""
        tags, number = self.cfg.order_status_tags, str(order["number"])
        pay = rules.payment_tag(order, self.cfg)
        if str(order["status"]).upper() == "CANCELLED":
            cancelled = ((number, tags.cancelled, pay, ()), "")
            if self.history.saw_open(int(order["number"])):
                return [((number, tags.created, pay, ()), ""), cancelled]
            return [cancelled]
        emails: list[tuple[EmailKey, str]] = [((number, tags.created, pay, ()), "")]
        if rules.payment_state(order) == "failed":
            return emails
        shipments = sorted(
            (s for s in order.get("shipments", []) if rules.is_completed_shipment(s)),
            key=lambda s: (int(rules.delivery_number(order, s)), s["id"]),
        )
        for shipment in shipments:
            label = f"shipment {shipment['number']}"
            emails.append(((number, tags.shipped, pay, shipment_signature(order, shipment)), label))
            if member:
                receipt_id = f"{number}-{rules.delivery_number(order, shipment)}"
                self.out.receipts[receipt_id] = ExpectedReceipt(number, "purchase", label, fp)
        assignment = rules.attribute(order, self.cfg.promotion_id_attribute)
        # Redeemed once the payment succeeded; with promotions.redeem_when "first_shipment" only once one shipped.
        moment_reached = bool(shipments) or self.cfg.promotions.redeem_when == "payment"
        if (
            moment_reached
            and assignment
            and rules.looks_like_id(assignment)
            and rules.payment_state(order) == "success"
        ):
            self.to_redeem.add(assignment)
        by_id = {s["id"]: s for s in order.get("shipments", [])}
        for returned in order.get("returns", []):
            if returned.get("returnStatus") != "COMPLETED":
                continue
            shipment = by_id[returned["shipment"]["id"]]
            label = f"return {returned['id']} of shipment {shipment['number']}"
            emails.append(((number, tags.returned, pay, return_signature(order, returned)), label))
            if member:
                receipt_id = f"{number}-{rules.delivery_number(order, shipment)}-{returned['id']}"
                self.out.receipts[receipt_id] = ExpectedReceipt(number, "return", label, fp)
        return emails

    # promotions, stock, back in stock

    def promotions(self) -> None:
        for item in self.scenario.engage_seed.get("promotions", []):
            assignment = str(item["id"])
            if item.get("redeemed"):
                continue  # already redeemed before the run: the bridge's redeem is refused, nothing changes
            if assignment in self.to_redeem and not item.get("expired"):
                self.out.redeemed.add(assignment)
            else:
                self.out.not_redeemed.add(assignment)
        self.out.redeemed |= self.to_redeem  # one the seed lacks must still have been redeemed: missing in Engage

    def stock(self) -> None:
        """Engage's level per SKU, locale and market after each phase: the seed, then every market's current
        free-to-allocate quantity of each SKU a stock change named (the router reads all markets of the SKU)."""
        history: dict[LevelKey, list[int]] = {}
        for level in self.scenario.engage_seed.get("stock_levels", []):
            key = (str(level["sku"]), level.get("locale"), _text(level.get("externalId")))
            history[key] = [int(level["quantity"])]
        for phase_index, touched in enumerate(self.history.skus_set_in_phase):
            for (sku, market_id), quantity in sorted(self.history.stock_after_phase[phase_index].items()):
                if sku not in touched:
                    continue
                for locale in rules.locales(self.cfg, str(market_id)):
                    history.setdefault((sku, locale, str(market_id)), [0]).append(max(quantity, 0))
        self.out.stock_levels = {key: values[-1] for key, values in history.items()}
        self._back_in_stock(history)

    def _back_in_stock(self, levels: dict[LevelKey, list[int]]) -> None:
        """A subscription is notified (and used up) when a level it matches rises from 0 to above 0 (docs/sandbox.md:
        same SKU; locale and market id must agree where both carry one)."""
        rises = {key for key, values in levels.items() if any(a <= 0 < b for a, b in pairwise(values))}
        seeded = self.scenario.engage_seed.get("back_in_stock_subscriptions", [])
        for item in [*seeded, *self.scenario.storefront_subscriptions]:
            email = item.get("email")
            if not email:
                continue  # subscriptions seeded by contact id cannot be tied to an address here
            key = (fingerprint(str(email)), str(item["sku"]), item.get("locale"), _text(item.get("externalId")))
            if any(_matches(key, level) for level in rises):
                self.out.notifications[key] += 1
            else:
                self.out.subscriptions_left[key] += 1


def _agreed[T](first: T | None, second: T | None) -> T | None:
    if first is None or second is None:
        return first if second is None else second
    return first if first == second else None


def _matches(subscription: SubscriptionKey, level: LevelKey) -> bool:
    _, sku, locale, market = subscription
    level_sku, level_locale, level_market = level
    return (
        sku == level_sku
        and (not level_locale or level_locale == locale)
        and not (level_market and market and level_market != market)
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


# -- how an e-mail names its shipment or return ------------------------------------------------------------------


def _items(pairs: Iterable[tuple[str, Any]]) -> tuple[tuple[str, int], ...]:
    totals: Counter[str] = Counter()
    for sku, quantity in pairs:
        totals[sku] += int(Decimal(str(quantity)))
    return tuple(sorted(totals.items()))


def shipment_signature(order: Entry, shipment: Entry) -> Signature:
    """A shipping e-mail carries the shipment's tracking number (``extraData.trackingNumber``) and its lines."""
    if shipment.get("trackingNumber"):
        return ("tracking", str(shipment["trackingNumber"]))
    skus = {line["id"]: line["productSize"]["SKU"] for line in order["lines"]}
    return ("items", _items((skus[line["orderLine"]["id"]], line["quantity"]) for line in shipment["lines"]))


def return_signature(order: Entry, returned: Entry) -> Signature:
    """A return e-mail carries the returned shipment's tracking number and the returned units (docs/mapping.md)."""
    skus = {line["id"]: line["productSize"]["SKU"] for line in order["lines"]}
    shipment = next(s for s in order.get("shipments", []) if s["id"] == returned["shipment"]["id"])
    order_line_of = {line["id"]: line["orderLine"]["id"] for line in shipment["lines"]}
    units = ((skus[order_line_of[line["shipmentLine"]["id"]]], line["quantity"]) for line in returned["lines"])
    return ("return", str(shipment.get("trackingNumber") or ""), _items(units))


def body_signature(body: Entry, expected: ExpectedEffects) -> Signature:
    status = body.get("orderStatus")
    tracking = str((body.get("extraData") or {}).get("trackingNumber") or "")
    items = _items((str(item.get("sku")), item.get("quantity") or 0) for item in body.get("items") or [])
    if status == expected.shipped_tag:
        return ("tracking", tracking) if tracking else ("items", items)
    if status == expected.returned_tag:
        return ("return", tracking, items)
    return ()


# -- the comparison ------------------------------------------------------------------------------------------------


def compare(expected: ExpectedEffects, sandbox_state: dict[str, Any]) -> list[Difference]:
    """Every way the sandbox's state (``GET /_sandbox/state``) differs from ``expected``; empty when it matches."""
    contacts: dict[str, Entry] = sandbox_state.get("contacts", {})
    differences = [
        *_compare_emails(expected, sandbox_state.get("orders", []), contacts),
        *_compare_receipts(expected, sandbox_state.get("receipts", {}), contacts),
        *_compare_contacts(expected, contacts),
        *_compare_second_creates(sandbox_state.get("duplicate_creates", []), contacts),
        *_compare_redemptions(expected, sandbox_state.get("promotions", {})),
        *_compare_stock(expected, sandbox_state.get("stock_levels", {})),
        *_compare_back_in_stock(expected, sandbox_state, contacts),
    ]
    return sorted(differences)


def _count_difference(kind: str, subject: str, wanted: int, got: int) -> Difference:
    what = {0: "none"}.get(wanted, "once" if wanted == 1 else f"{wanted} times")
    seen = {0: "none"}.get(got, "once" if got == 1 else f"{got} times")
    return Difference(kind, subject, what, seen)


def _recipient(body: Entry, contacts: dict[str, Entry]) -> str:
    """The fingerprint of the e-mail an /orders body reaches: its match key, or the e-mail of the contact it names."""
    match = body.get("contact") or {}
    key = str(match.get("matchKey") or "")
    if str(match.get("matchKeyType") or "").casefold() == "contactid":
        key = str(((contacts.get(key) or {}).get("fields") or {}).get("email") or f"unknown contact {key}")
    return fingerprint(key)


def _compare_emails(expected: ExpectedEffects, bodies: list[Entry], contacts: dict[str, Entry]) -> list[Difference]:
    actual: Counter[EmailKey] = Counter()
    differences = []
    for body in bodies:
        number = str(body.get("orderNumber"))
        key = (number, str(body.get("orderStatus")), str(body.get("paymentStatus")), body_signature(body, expected))
        actual[key] += 1
        recipient = _recipient(body, contacts)
        recipient_wanted = expected.recipients.get(number)
        if recipient_wanted is not None and recipient != recipient_wanted and key in expected.emails:
            subject = f"order {number} {key[1]}"
            differences.append(
                Difference("email", subject, f"to {email_label(recipient_wanted)}", email_label(recipient))
            )
    for key in sorted(set(expected.emails) | set(actual), key=str):
        wanted, got = expected.emails.get(key, 0), actual.get(key, 0)
        if wanted == got:
            continue
        number, status, payment, signature = key
        label = expected.email_labels.get(key) or _signature_label(signature)
        subject = f"order {number} {status} ({payment}) {label}".strip()
        kind = "wholesale" if number in expected.restricted_orders else "email"
        differences.append(_count_difference(kind, subject, wanted, got))
    return differences


def _signature_label(signature: Signature) -> str:
    if not signature:
        return ""
    if signature[0] == "tracking":
        return f"shipment with tracking number {signature[1]}"
    if signature[0] == "items":
        return f"shipment of {dict(signature[1])}"
    return f"return of {dict(signature[2])} (tracking {signature[1] or 'none'})"


def _compare_receipts(
    expected: ExpectedEffects, receipts: dict[str, Entry], contacts: dict[str, Entry]
) -> list[Difference]:
    differences = []
    for receipt_id, wanted in sorted(expected.receipts.items()):
        body = receipts.get(receipt_id)
        subject = f"order {wanted.order_number} {wanted.kind} receipt {receipt_id} ({wanted.label})"
        if body is None:
            differences.append(Difference("receipt", subject, "registered", "missing"))
            continue
        contact_id = str((body.get("contact") or {}).get("matchKey") or "")
        contact = contacts.get(contact_id)
        owner = _contact_key(contact) if contact else None
        if owner != (wanted.member, expected.member_type):
            got = f"{owner[1]} {email_label(owner[0])}" if owner else "an unknown contact"
            differences.append(Difference("receipt", subject, f"on member {email_label(wanted.member)}", got))
    for receipt_id in sorted(set(receipts) - set(expected.receipts)):
        number = receipt_id.split("-", 1)[0]
        kind = "wholesale" if number in expected.restricted_orders else "receipt"
        differences.append(Difference(kind, f"order {number} receipt {receipt_id}", "none", "registered"))
    return differences


def _contact_key(contact: Entry) -> ContactKey:
    return fingerprint(str((contact.get("fields") or {}).get("email") or "")), str(contact.get("contactType"))


def blank_fields(fields: Entry, prefix: str = "") -> list[str]:
    """Dotted names of the fields (nested ones too) that are None or only whitespace."""
    blank = []
    for name, value in fields.items():
        if isinstance(value, dict):
            blank += blank_fields(value, f"{prefix}{name}.")
        elif value is None or (isinstance(value, str) and not value.strip()):
            blank.append(f"{prefix}{name}")
    return blank


def _compare_contacts(expected: ExpectedEffects, contacts: dict[str, Entry]) -> list[Difference]:
    by_key: dict[ContactKey, list[Entry]] = {}
    for contact in contacts.values():
        by_key.setdefault(_contact_key(contact), []).append(contact)
    differences = []
    for key in sorted(set(expected.contacts) | set(by_key)):
        fp, contact_type = key
        found, wanted = by_key.get(key, []), expected.contacts.get(key)
        subject = f"{contact_type} {email_label(fp)}"
        if wanted is None:
            kind = "wholesale" if fp in expected.restricted_recipients else "contact"
            differences.append(_count_difference(kind, subject, 0, len(found)))
            continue
        if len(found) != 1 and not (wanted.optional and not found):
            differences.append(_count_difference("contact", subject, 1, len(found)))
        for contact in found:
            differences += _contact_content(subject, wanted, contact.get("fields") or {})
    return differences


def _compare_second_creates(refused: list[Entry], contacts: dict[str, Entry]) -> list[Difference]:
    """A create Engage refused because the key exists or is being created: the bridge created twice, even though
    Engage (409, or the existing id) kept the contact single."""
    differences = []
    for entry in refused:
        existing = contacts.get(str(entry.get("existingContactId")))
        subject = f"{entry.get('contactType')} {email_label(_contact_key(existing)[0])}" if existing else "a contact"
        differences.append(Difference("contact", subject, "created once", f"a second create ({entry.get('code')})"))
    return differences


def _contact_content(subject: str, wanted: ExpectedContact, fields: Entry) -> list[Difference]:
    differences = [Difference("contact", subject, "no blank field", f"{name} blank") for name in blank_fields(fields)]
    if wanted.names is not None:
        for name, value in zip(("firstName", "lastName"), wanted.names, strict=True):
            if fields.get(name) != value:
                # The values are personal data: say which field, not what it holds.
                differences.append(Difference("contact", subject, f"{name} as in Centra", f"a different {name}"))
    if wanted.accepts_email is not None:
        accepts = (fields.get("preferences") or {}).get("acceptsEmail")
        if accepts is not wanted.accepts_email:
            differences.append(
                Difference("contact", subject, f"preferences.acceptsEmail {wanted.accepts_email}", str(accepts))
            )
    return differences


def _compare_redemptions(expected: ExpectedEffects, promotions: dict[str, Entry]) -> list[Difference]:
    differences = []
    for assignment in sorted(expected.redeemed):
        held = promotions.get(assignment)
        if held is None:
            differences.append(Difference("redemption", f"assignment {assignment}", "redeemed", "unknown to Engage"))
        elif not held.get("redeemed") or held.get("redeemedVia") != "ECOM":
            got = "not redeemed" if not held.get("redeemed") else f"redeemed via {held.get('redeemedVia')}"
            differences.append(Difference("redemption", f"assignment {assignment}", "redeemed via ECOM", got))
    for assignment in sorted(expected.not_redeemed):
        held = promotions.get(assignment)
        if held is not None and held.get("redeemed"):
            differences.append(Difference("redemption", f"assignment {assignment}", "not redeemed", "redeemed"))
    return differences


def _compare_stock(expected: ExpectedEffects, levels: dict[str, Entry]) -> list[Difference]:
    actual = {(str(v["sku"]), v.get("locale"), _text(v.get("externalId"))): int(v["quantity"]) for v in levels.values()}
    differences = []
    for key in sorted(set(expected.stock_levels) | set(actual), key=str):
        sku, locale, market = key
        subject = f"{sku} locale {locale or '-'} market {market or '-'}"
        if key not in actual:
            differences.append(Difference("stock_level", subject, str(expected.stock_levels[key]), "missing"))
        elif key not in expected.stock_levels:
            differences.append(Difference("stock_level", subject, "none", str(actual[key])))
        elif actual[key] != expected.stock_levels[key]:
            differences.append(Difference("stock_level", subject, str(expected.stock_levels[key]), str(actual[key])))
    return differences


def _compare_back_in_stock(
    expected: ExpectedEffects, state: dict[str, Any], contacts: dict[str, Entry]
) -> list[Difference]:
    def keyed(items: Iterable[Entry]) -> Counter[SubscriptionKey]:
        counted: Counter[SubscriptionKey] = Counter()
        for item in items:
            contact = contacts.get(str(item.get("contactId")))
            fp = _contact_key(contact)[0] if contact else f"contact {item.get('contactId')}"
            counted[fp, str(item.get("sku")), item.get("locale"), _text(item.get("externalId"))] += 1
        return counted

    differences = []
    for what, wanted, got in (
        ("notification", expected.notifications, keyed(state.get("back_in_stock_notifications", []))),
        ("subscription left", expected.subscriptions_left, keyed(state.get("subscriptions", {}).values())),
    ):
        for key in sorted(set(wanted) | set(got), key=str):
            if wanted.get(key, 0) != got.get(key, 0):
                fp, sku, locale, market = key
                subject = f"{what} {sku} locale {locale or '-'} market {market or '-'} for {email_label(fp)}"
                differences.append(_count_difference("back_in_stock", subject, wanted.get(key, 0), got.get(key, 0)))
    return differences
