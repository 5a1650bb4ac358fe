"""When the bridge may write ``acceptsEmail`` to Engage: the consent rules of docs/mapping.md, as one pure function.

Engage is the master of preferences (Voyado, contact preferences); Centra's newsletter flag goes stale as soon as
someone unsubscribes in Engage, because Engage never tells Centra (seed 001). So shop data may say *yes* only when
it is a fresh opt-in: a subscription created or made active again, a customer's flag turning on, newer than the
last "no" the bridge knows of for that address. Anything else that carries a *yes* (a name change, an order, a
replay) writes nothing. A *no* from Centra always goes through. Seed 003: "verify current opt-in status before
updating".
"""

from typing import Literal

from msgspec import Struct

SignalKind = Literal["subscription", "customer"]
# opt_in: write true; first_opt_in: write true only if Engage holds no "no" for the address (look first);
# opt_out: write false; leave: write nothing about acceptsEmail.
Verdict = Literal["opt_in", "first_opt_in", "opt_out", "leave"]


class ConsentRecord(Struct, frozen=True):
    """What the state table knows about one address (by fingerprint): its last "no" and what Centra last said.

    ``opted_out_at``: epoch seconds of the last opt-out the bridge knows of, from Centra or from Engage.
    ``subscription_active`` / ``customer_flag``: the last newsletter subscription state and customer flag the
    bridge saw for the address (None: never seen), so it can tell a flag turning on from a flag left on.
    """

    opted_out_at: float | None = None
    opt_out_source: str | None = None
    subscription_active: bool | None = None
    customer_flag: bool | None = None


class Signal(Struct, frozen=True):
    """What Centra says now: a subscription's ``isActive`` or a customer's ``receiveNewsletters``.

    ``at``: when the bridge saw it (epoch seconds). ``created_at``: a subscription's own ``createdAt``, the only
    date Centra gives a newsletter state (CD:newslettersubscription); a customer's flag has none.
    """

    kind: SignalKind
    subscribed: bool | None
    at: float
    created_at: float | None = None


class Decision(Struct, frozen=True):
    verdict: Verdict
    reason: str

    @property
    def accepts_email(self) -> bool | None:
        """The value a create may carry before any Engage check: True, False or nothing."""
        if self.verdict == "opt_out":
            return False
        return True if self.verdict in ("opt_in", "first_opt_in") else None


def decide(signal: Signal, record: ConsentRecord) -> Decision:
    """The consent rule for one Centra signal (docs/mapping.md, "Consent")."""
    if signal.subscribed is None:
        return Decision("leave", "consent_unknown")
    if not signal.subscribed:
        return Decision("opt_out", "centra_opt_out")
    previous = record.subscription_active if signal.kind == "subscription" else record.customer_flag
    return _yes(signal, previous, record.opted_out_at)


def _yes(signal: Signal, previous: bool | None, last_no: float | None) -> Decision:
    if previous is True:
        # Already a yes when last seen: an unrelated change or a replay carrying the flag, not a new opt-in.
        return Decision("leave", "not_a_fresh_opt_in")
    if previous is False:
        # Seen off, now on: the change happened since it was seen off, at the latest now.
        fresh = "subscription_reactivated" if signal.kind == "subscription" else "newsletter_flag_turned_on"
        return Decision("opt_in", fresh) if last_no is None or signal.at > last_no else _older()
    # First sight of this yes. A subscription's createdAt dates it; a customer flag has no date of its own.
    if last_no is None:
        return Decision("first_opt_in", "first_seen_opt_in")
    if signal.created_at is not None and signal.created_at > last_no:
        return Decision("opt_in", "subscribed_after_opt_out")
    return _older()


def _older() -> Decision:
    return Decision("leave", "not_newer_than_opt_out")
