"""The soak's verdict: each promise checked from the sandbox's state and request log, the DLQs and the log.

Every check returns its figures and its violations (empty when the promise held). Personal data never appears in
either: e-mail addresses only as fingerprints (the demo oracle's convention), log hits only as line numbers.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engage_bridge.config import OrderStatusTags
from engage_bridge.pii import fingerprint
from engage_bridge_tools.demo.expected import ExpectedEffects, blank_fields, compare
from engage_bridge_tools.local.dead_letters import DeadLetter
from engage_bridge_tools.local.engage_rate import peak_requests_per_second
from engage_bridge_tools.soak.log_scan import LogHit
from engage_bridge_tools.soak.poison import Poison

CONTACTS_PATH = "/api/v3/contacts"
CONTACTS_V2_PATH = "/api/v2/contacts"
ORDERS_PATH = "/api/v2/orders"
RECEIPTS_PATH = "/api/v3/receipts"


@dataclass
class Check:
    name: str
    figures: dict[str, Any] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": not self.violations, **self.figures, "violations": self.violations}


def effects_exactly_once(expected: ExpectedEffects, state: dict[str, Any]) -> Check:
    """The demo oracle: every expected e-mail, receipt, contact, redemption and stock level once, nothing else."""
    differences = compare(expected, state)
    figures = {
        "expected": {
            "emails": sum(expected.emails.values()),
            "receipts": len(expected.receipts),
            "contacts": len(expected.contacts),
            "redemptions": len(expected.redeemed),
            "stock_levels": len(expected.stock_levels),
            "back_in_stock_notifications": sum(expected.notifications.values()),
        },
        "differences": len(differences),
        "receipt_repeats_ignored_by_engage": len(state.get("duplicate_receipts", [])),
        "second_creates_refused_by_engage": len(state.get("duplicate_creates", [])),
        "receipt_import_failures": sum(1 for e in state.get("integration_log", []) if e.get("status") == "Failed"),
    }
    return Check("effects_exactly_once", figures, [str(difference) for difference in differences])


def centra_refused_nothing(refused: Sequence[tuple[str, tuple[str, ...]]]) -> Check:
    """The Centra fake serves only the published contract: every document it refused is a bridge mistake."""
    violations = [f"{operation}: {'; '.join(messages)}" for operation, messages in refused]
    return Check("centra_refused_nothing", {"refused_documents": len(refused)}, violations)


def restricted_orders_untouched(expected: ExpectedEffects, state: dict[str, Any]) -> Check:
    """No e-mail and no receipt for a wholesale (or otherwise restricted) order."""
    restricted = expected.restricted_orders
    emails = [body for body in state.get("orders", []) if str(body.get("orderNumber")) in restricted]
    receipts = [receipt_id for receipt_id in state.get("receipts", {}) if receipt_id.split("-", 1)[0] in restricted]
    violations = [f"order {body.get('orderNumber')}: {body.get('orderStatus')} e-mail sent" for body in emails]
    violations += [f"receipt {receipt_id} registered for a restricted order" for receipt_id in receipts]
    return Check(
        "restricted_orders_untouched",
        {"restricted_orders": len(restricted), "effects": len(emails) + len(receipts)},
        violations,
    )


def no_field_blanked(state: dict[str, Any]) -> Check:
    """No accepted contact update carried an empty value (Engage's PATCH writes null and "" as given), and no
    contact holds one at the end."""
    violations = []
    updates = 0
    for request in state.get("requests", []):
        path = str(request.get("path", ""))
        if request.get("method") != "PATCH" or not path.startswith(CONTACTS_PATH):
            continue
        if not 200 <= int(request.get("status") or 0) < 300:
            continue
        body = request.get("body")
        for item in body if isinstance(body, list) else [body]:
            updates += 1
            for name in blank_fields(item if isinstance(item, dict) else {}):
                where = "bulk update" if path.endswith("/bulk") else "update"
                violations.append(f"contact {where} at request {request.get('seq', '?')}: {name} written empty")
    for contact_id, contact in state.get("contacts", {}).items():
        for name in blank_fields(contact.get("fields") or {}):
            violations.append(f"contact {contact_id}: {name} is empty")
    return Check("no_field_blanked", {"contact_updates": updates}, violations)


def dead_letters_are_the_poison(letters: Sequence[DeadLetter], poisons: Sequence[Poison]) -> Check:
    """Each planted poison input in its DLQ with its reason, and nothing else in any DLQ.

    A poison input is delivered more than once (a duplicate delivery, a crashed batch, the webhook and the poller
    both routing it), yet each failed effect must make one dead letter (``engage_bridge.dead_letter_marks``):
    a business key dead-lettered twice is a violation.
    """
    found: Counter[str] = Counter()
    per_effect: Counter[tuple[str, str]] = Counter()
    violations = []
    for letter in letters:
        poison = next((p for p in poisons if p.matches(letter.queue, letter.reason, letter.business_key)), None)
        if poison is None:
            violations.append(f"unexpected dead letter in {letter.queue}: {letter.reason} ({letter.business_key})")
        else:
            found[poison.label] += 1
            per_effect[(letter.queue, letter.business_key or "")] += 1
    violations += [f"missing from {p.queue}: {p.label} ({p.reason})" for p in poisons if not found[p.label]]
    violations += [
        f"{key or 'a message without business key'} dead-lettered {times} times in {queue}"
        for (queue, key), times in per_effect.items()
        if times > 1
    ]
    figures = {
        "planted": len(poisons),
        "found": {f"{p.queue}: {p.reason}: {p.label}": found[p.label] for p in poisons},
        "messages": len(letters),
    }
    return Check("dead_letters_are_the_poison", figures, violations)


def lifecycle_in_order(requests: Sequence[dict[str, Any]], tags: OrderStatusTags) -> Check:
    """Per order, in the order Engage accepted them: the confirmation before any shipping e-mail, a shipment's
    e-mail before the return e-mail for it (matched by tracking number where both carry one), and a delivery's
    purchase receipt (``<order>-<delivery>``) before any return receipt against it (``<order>-<delivery>-<id>``)."""
    confirmed: set[str] = set()
    shipped: dict[str, set[str]] = {}
    receipts: set[str] = set()
    inversions: list[str] = []
    emails = 0
    for request in requests:
        if request.get("method") != "POST" or not 200 <= int(request.get("status") or 0) < 300:
            continue
        path, body = str(request.get("path", "")), request.get("body")
        if not isinstance(body, dict):
            continue
        if path.startswith(ORDERS_PATH):
            emails += 1
            inversions += _email_inversions(body, tags, confirmed, shipped)
        elif path.startswith(RECEIPTS_PATH):
            receipt_id = str(body.get("uniqueReceiptId", ""))
            parts = receipt_id.split("-")
            if len(parts) == 3 and "-".join(parts[:2]) not in receipts:
                inversions.append(
                    f"receipt {receipt_id}: return receipt before the purchase receipt {parts[0]}-{parts[1]}"
                )
            receipts.add(receipt_id)
    figures = {"orders": len(confirmed | shipped.keys()), "emails": emails, "receipts": len(receipts)}
    return Check("lifecycle_in_order", {**figures, "inversions": len(inversions)}, inversions)


def _email_inversions(
    body: dict[str, Any], tags: OrderStatusTags, confirmed: set[str], shipped: dict[str, set[str]]
) -> list[str]:
    order, status = str(body.get("orderNumber", "")), body.get("orderStatus")
    tracking = str((body.get("extraData") or {}).get("trackingNumber") or "")
    if status == tags.created:
        confirmed.add(order)
    elif status == tags.shipped:
        shipped.setdefault(order, set()).add(tracking)
        if order not in confirmed:
            return [f"order {order}: a shipping e-mail before its confirmation"]
    elif status == tags.returned:
        sent = shipped.get(order)
        if sent is None or (tracking and tracking not in sent):
            return [f"order {order}: a return e-mail before the shipping e-mail of its shipment"]
    return []


def opted_out_never_subscribed(
    requests: Sequence[dict[str, Any]], contacts: dict[str, Any], emails: Sequence[str], *, replayed: int = 0
) -> Check:
    """No request to Engage wrote ``acceptsEmail: true`` for a person who opted out in Engage (a create, an update,
    a bulk item or v2's preference setter naming their address or one of their contacts), whatever Centra's stale
    flag said, and none of their contacts holds a yes at the end. Every attempt counts, answered or not."""
    targets = {fingerprint(email) for email in emails}
    ids = {
        cid for cid, c in contacts.items() if fingerprint(str((c.get("fields") or {}).get("email") or "")) in targets
    }
    writes, violations = 0, []
    for request in requests:
        path = str(request.get("path", ""))
        if request.get("method") not in {"POST", "PATCH", "PUT"} or not path.startswith(
            (CONTACTS_PATH, CONTACTS_V2_PATH)
        ):
            continue
        body = request.get("body")
        for item in body if isinstance(body, list) else [body]:
            if not isinstance(item, dict) or not _names_person(path, item, targets, ids):
                continue
            writes += 1
            if _writes_yes(path, item):
                violations.append(
                    f"request {request.get('seq', '?')}: {request['method']} {path} wrote acceptsEmail true"
                )
    for contact_id in sorted(ids):
        if ((contacts[contact_id].get("fields") or {}).get("preferences") or {}).get("acceptsEmail") is True:
            violations.append(f"contact {contact_id}: holds acceptsEmail true at the end")
    figures = {
        "people": len(targets),
        "replayed_messages": replayed,
        "contact_writes": writes,
        "yes_written": len(violations),
    }
    return Check("opted_out_never_subscribed", figures, violations)


def _names_person(path: str, item: dict[str, Any], targets: set[str], ids: set[str]) -> bool:
    segments = set(path.split("/"))
    email = item.get("email")
    return (
        bool(segments & ids)
        or str(item.get("id") or item.get("contactId") or "") in ids
        or (isinstance(email, str) and fingerprint(email) in targets)
    )


def _writes_yes(path: str, item: dict[str, Any]) -> bool:
    if path.casefold().endswith("/preferences/acceptsemail"):
        return item.get("value") is True
    found = item.get("preferences")
    preferences: dict[str, Any] = found if isinstance(found, dict) else {}
    return any(value is True for key, value in {**item, **preferences}.items() if key.casefold() == "acceptsemail")


def preference_webhook_landed(
    webhook_status: int | None, opt_out_source: str | None, customer_updates: Sequence[dict[str, Any]], customer_id: int
) -> Check:
    """A person unsubscribing in Engage: the sandbox's webhook was taken (2xx), the opt-out is in the state table,
    and (with ``consent.write_opt_outs_to_centra``) the Centra fake recorded ``receiveNewsletters: false`` for them."""
    written = [
        u
        for u in customer_updates
        if u.get("customerId") == customer_id and u["input"].get("receiveNewsletters") is False
    ]
    violations = []
    if webhook_status is None or not 200 <= webhook_status < 300:
        violations.append(f"the preference webhook was answered {webhook_status}")
    if opt_out_source is None:
        violations.append("no opt-out kept in the state table")
    if not written:
        violations.append(f"no receiveNewsletters false written to Centra customer {customer_id}")
    figures = {"webhook_status": webhook_status, "opt_out_source": opt_out_source, "centra_updates": len(written)}
    return Check("preference_webhook_landed", figures, violations)


def one_member_after_email_change(
    state: dict[str, Any], old_email: str, new_email: str, order_numbers: Sequence[int], member_type: str
) -> Check:
    """A member who changed e-mail in Centra is still one Engage member, now at the new address, holding every
    receipt of their orders (those before the change too); nothing is left at the old address."""
    contacts: dict[str, Any] = state.get("contacts", {})
    old_fp, new_fp = fingerprint(old_email), fingerprint(new_email)
    at_old = [
        cid for cid, c in contacts.items() if fingerprint(str((c.get("fields") or {}).get("email") or "")) == old_fp
    ]
    members = [
        cid
        for cid, c in contacts.items()
        if c.get("contactType") == member_type
        and fingerprint(str((c.get("fields") or {}).get("email") or "")) == new_fp
    ]
    prefixes = tuple(f"{number}-" for number in order_numbers)
    receipts = {rid: body for rid, body in state.get("receipts", {}).items() if rid.startswith(prefixes)}
    violations = [f"contact {cid} still holds the old address" for cid in at_old]
    if len(members) != 1:
        violations.append(f"{len(members)} members hold the new address, not 1")
    owners = {str((body.get("contact") or {}).get("matchKey") or "") for body in receipts.values()}
    if members and owners - {members[0]}:
        violations.append(f"receipts on {len(owners - {members[0]})} other contact(s), not the one member")
    if not receipts:
        violations.append("no receipt of the person's orders in Engage")
    figures = {"members": len(members), "contacts_at_old_address": len(at_old), "receipts_on_member": len(receipts)}
    return Check("one_member_after_email_change", figures, violations)


def within_budget(sent: Sequence[float], arrivals: Sequence[dict[str, Any]], budget: float) -> Check:
    """No sliding second of the moments the bridge let Engage requests go (``sent``, each handed to the HTTP
    transport after the budget's last look at its slot) holds more than the budget.

    Arrivals (the sandbox's stamps) are shown beside it, not checked against the budget: the sandbox runs in the
    interpreter of every container, so a request reaches its stamp after waits for the interpreter's lock (tens to
    hundreds of milliseconds under load), which no slot's margin can hold and deployed Engage does not see.
    Deployed, the path's varying delay is absorbed by the budget's headroom under Voyado's limit
    (docs/configuration.md, decision log 2026-12-07).
    """
    peak = peak_requests_per_second([{"at": at} for at in sent])
    violations = [f"{peak} Engage requests left within one second; the budget is {budget:g}"] if peak > budget else []
    figures = {
        "peak_per_second": peak,
        "budget_per_second": budget,
        "requests_sent": len(sent),
        "peak_per_second_at_arrival": peak_requests_per_second(arrivals),
        "requests_arrived": len(arrivals),
    }
    return Check("within_engage_budget", figures, violations)


def log_without_personal_data(hits: Sequence[LogHit], lines: int) -> Check:
    return Check(
        "log_without_personal_data",
        {"lines_scanned": lines, "hits": len(hits)},
        [f"personal data or a secret in the function log, {hit}" for hit in hits[:50]],
    )
