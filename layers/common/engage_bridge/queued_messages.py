"""What a router container queued a moment ago, so that another report of the change does not queue it again.

Centra reports one change of an order as several objects (a shipment's ``create`` and its order's ``update``, a
return and its order), each read and routed on its own, and a customer's orders placed together each route the
customer's contact. Before the handler wrote the ledger the router reads, each report queued the same e-mail,
receipt or contact again, for the handler to skip as a duplicate: 101 of 306 handler messages in the 60-order
bench run, plus 32 retries of copies that met the first one sending (docs/decision-log.md, 2026-12-07). The router
skips such a copy (``Decision.without_queued``, counted ``already_queued``).

Only the very same message (queue and whole body, which holds the business key): a message whose order or customer
changed meanwhile is routed, for its handler to decide. Only for Centra's own reports: the router routes a
reconciliation's or a backfill's report, and a redriven one, whatever is remembered (``router._routed``).

Nothing rests on this memory. A message is remembered once its send returned, or while it is held for its
invocation's send (``router_batch``), whose every record routes again if that send fails (``take_held``); the
memory is the container's and short; every handler still deduplicates on its own (the ledger claim, Powertools'
record), so a copy from the other container or after the window is handled as every copy was before.
"""

import hashlib
import time
from collections.abc import Callable, Iterable
from typing import Literal

from pydantic import BaseModel

from engage_bridge.routing import Route

# The copies it saves come within seconds of the first; once the handler has written the ledger, the router's own
# ledger read skips the effect (already_sent). Kept short, so that a copy routed well after the first is the
# handler's to judge, as every copy was before.
REMEMBER_SECONDS = 60.0
REMEMBER_AT_MOST = 10_000  # messages per container: a bound on memory whatever the traffic

Seen = Literal["queued", "held"]


class QueuedMessages:
    """A container's memory of the messages it queued within ``remember_seconds``, and of those it holds."""

    def __init__(self, remember_seconds: float = REMEMBER_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._remember_seconds, self._clock = remember_seconds, clock
        self._queued_at: dict[str, float] = {}  # fingerprint -> when its send returned, oldest first
        self._held: set[str] = set()  # fingerprints of the messages held for this invocation's send

    def seen(self, route: Route, message: BaseModel) -> Seen | None:
        """``held`` for a message held for this invocation's send, ``queued`` for one on its queue within the
        window, else None."""
        fingerprint = _fingerprint(route, message)
        if fingerprint in self._held:
            return "held"
        at = self._queued_at.get(fingerprint)
        return "queued" if at is not None and self._clock() - at < self._remember_seconds else None

    def hold(self, route: Route, messages: Iterable[BaseModel]) -> None:
        """``messages`` are held for this invocation's send."""
        self._held.update(_fingerprint(route, message) for message in messages)

    def take_held(self) -> frozenset[str]:
        """The held messages, forgotten as held: ``sent`` once their send returned; if it fails, their records
        route again."""
        held, self._held = frozenset(self._held), set()
        return held

    def sent(self, held: frozenset[str]) -> None:
        """The messages ``take_held`` gave are on their queues."""
        now, queued_at = self._clock(), self._queued_at
        for fingerprint in held:
            queued_at.pop(fingerprint, None)  # re-inserted last: the dict stays oldest first
            queued_at[fingerprint] = now
        # Forget the oldest: those past the window, and any beyond the bound.
        while queued_at:
            oldest, at = next(iter(queued_at.items()))
            if now - at < self._remember_seconds and len(queued_at) <= REMEMBER_AT_MOST:
                break
            del queued_at[oldest]


def _fingerprint(route: Route, message: BaseModel) -> str:
    """A message's identity: its queue and its whole body (the business key is in the body)."""
    return f"{route}:{hashlib.sha256(message.model_dump_json().encode()).hexdigest()}"
