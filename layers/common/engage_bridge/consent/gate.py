"""Applying the consent rules to one address: read what the bridge knows, decide, remember, and look at Engage.

A first-seen yes (no opt-out known, and no earlier Centra state to compare with) is the one case the state
table cannot settle: the person may have unsubscribed in Engage, which never tells Centra (seed 001). So before
it is written, the address's records in Engage are read; a "no" there is an opt-out the bridge did not know of:
it is kept in the state table and nothing is written (Voyado: shop data never turns an opt-out back into an
opt-in; Voyado's Shopify app "never downgrades" and never upgrades without a fresh opt-in).
"""

from collections.abc import Iterable, Mapping
from typing import Any

from msgspec.structs import replace

from engage_bridge.consent.rules import ConsentRecord, Decision, Signal, SignalKind, decide
from engage_bridge.consent.store import ConsentStore
from engage_bridge.observability import count
from engage_bridge.state import email_key

# Where an opt-out came from (``opt_out_source`` in the state table).
FROM_CENTRA = "centra"
FROM_ENGAGE_CONTACT = "engage_contact"


class ConsentGate:
    """One message's consent decisions. It keeps the record it read per address, so a write that would change
    nothing (an opt-out already kept at that time or later, a Centra flag already remembered) is not sent: each is
    billed as a write, refused or not, and a contact change mostly carries the flag it carried before."""

    def __init__(self, store: ConsentStore) -> None:
        self._store = store
        self._seen: dict[str, ConsentRecord] = {}
        self._opted_in: dict[str, float] = {}  # a yes written to Engage, kept with the flag when settled

    def judge(self, email: str, signal: Signal) -> Decision:
        """The decision for ``signal``; a Centra opt-out is kept at once (keeping it twice changes nothing)."""
        record = self._seen[email] = self._store.consent(email)
        decision = decide(signal, record)
        if decision.verdict == "opt_out" and (record.opted_out_at is None or record.opted_out_at < signal.at):
            # The store's own condition refuses an older opt-out; the record read just now shows it would.
            # Centra's "no" is remembered in the same write: a "no" is an opt-out whether fresh or not (rules), so a
            # retry after a failed Engage write decides the same; ``settle`` then has nothing left to write.
            flag = signal.kind if _remembered_flag(record, signal.kind) is not False else None
            if self._store.record_opt_out(email, signal.at, FROM_CENTRA, flag=flag) and flag is not None:
                self._seen[email] = _with_flag(record, signal.kind, False)
        count("ConsentDecision", decision.reason)
        return decision

    def confirm_first_opt_in(self, email: str, engage_records: Iterable[Mapping[str, Any]]) -> Decision:
        """A first-seen yes stands only if none of the address's Engage records says no."""
        if any(accepts_email(record) is False for record in engage_records):
            self._store.record_opt_out(email, self._store.now(), FROM_ENGAGE_CONTACT)
            count("ConsentHeld", "engage_says_no")
            return Decision("leave", "engage_says_no")
        return Decision("opt_in", "first_seen_opt_in")

    def settle(self, email: str, signal: Signal) -> None:
        """Remember what Centra said, once every write it led to is done: a retry after a failed write must still
        see the change as fresh, or the opt-in would be lost. When a yes was written, its time goes in the same
        write."""
        opted_in_at = self._opted_in.pop(email_key(email), None)
        seen = self._seen.get(email)
        remembered = None if seen is None else _remembered_flag(seen, signal.kind)
        if signal.subscribed is not None and remembered is not signal.subscribed:
            self._store.observe(email, signal.kind, signal.subscribed, opted_in_at=opted_in_at)
        elif opted_in_at is not None:  # a flag the record already holds is not written again
            self._store.record_opt_in(email, opted_in_at)

    def written_opt_in(self, email: str) -> None:
        """A yes reached Engage for ``email``: kept in the state table when the message settles (one write)."""
        self._opted_in[email_key(email)] = self._store.now()


def _with_flag(record: ConsentRecord, kind: SignalKind, value: bool) -> ConsentRecord:
    if kind == "subscription":
        return replace(record, subscription_active=value)
    return replace(record, customer_flag=value)


def _remembered_flag(record: ConsentRecord, kind: SignalKind) -> bool | None:
    return record.subscription_active if kind == "subscription" else record.customer_flag


def accepts_email(contact: Mapping[str, Any]) -> bool | None:
    """``acceptsEmail`` of an Engage contact, wherever and however cased it is (engage-wave2.md §3: nested under
    ``preferences`` on create, top level in some Voyado examples, ``AcceptsEmails`` in third-party code)."""
    for holder in (contact.get("preferences"), contact.get("attributes"), contact):
        if not isinstance(holder, Mapping):
            continue
        for name, value in holder.items():
            if (
                isinstance(name, str)
                and name.casefold() in ("acceptsemail", "acceptsemails")
                and isinstance(value, bool)
            ):
                return value
    return None
