"""One router invocation's messages for the queues nobody waits on, held until its records are routed.

Sent as each record was routed, a batch of ten ingest messages cost a ``SendMessageBatch`` per handler queue per
record (307 calls for 318 messages in the 60-order bench run; one per queue per invocation would be 89). Held, the
receipts, redemptions and stock levels of an invocation go out in one send per queue (and per ten messages) at its
end. Contacts and e-mails are sent at once, record by record (``SENT_AT_ONCE``): held, they reached their queues
seconds later and ten at a time, one container then working through the ten in turn, and the webhook path's p99
at half the Engage budget went from 7.5 s to 16.8 s, past issue 18's 10 s goal (docs/decision-log.md, 2026-12-07).

Nothing is lost for it:

- a record's route mark is taken before its Centra read (``route_marks``: one write, nothing written after the
  send), so another report of the change, here or in another container, is skipped while its messages are held;
- if the sends at the end fail, every held record's mark is given back and the invocation raises (``flush``):
  Lambda deletes none of the batch and SQS delivers all of it again, to be routed again. What did get in is
  deduplicated by the handlers on its business key, as for any ingest message routed twice.

Held queues are sent in the order the routing decisions use (receipts, redemptions, stock); standard queues keep no
order between them, and ``sequence`` orders an order's effects from the ledger.

The batch also remembers what it queued (``queued``): the very same message (route, business key, body) sent by
this container within ``REMEMBER_SECONDS``, or held for this invocation's flush. Centra reports one change of an
order as several objects (a shipment's ``create`` and its order's ``update``, a return and its order), each read
and routed on its own, and a customer's second order routes the customer's contact again: before its handler
wrote the ledger, each report queued the same e-mail, receipt or contact again, for the handler to skip as a
duplicate (102 of 306 handler messages in the 60-order bench run, plus 32 retries of copies that met the first
one sending; docs/decision-log.md, 2026-12-07). The router skips such a copy (``Decision.without_queued``,
``already_queued``). Only identical copies: a message whose order or customer changed meanwhile is routed, and its
handler decides as before. Nothing rests on this memory: a message is remembered only once it is on its queue
(or held in this invocation, whose every record routes again if the flush fails), the memory is the container's
and short, and every handler still deduplicates on its own (the ledger claim, Powertools' record).
"""

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from typing import Protocol, get_args

from pydantic import BaseModel

from engage_bridge.routing import Route, Routed

_QUEUE_ORDER: tuple[Route, ...] = get_args(Route)
# The queues a customer's e-mail waits on: sent record by record, never held.
SENT_AT_ONCE: frozenset[Route] = frozenset({"contact_upsert", "order_status"})
# How long a container remembers a message it queued. The copies it saves come within seconds of the first (the
# reports of one change, a customer's orders placed together); after the handler's ledger entry the router's own
# ledger read skips the effect (already_sent). Kept short, so that a copy routed well after the first is the
# handler's to judge, as every copy was before.
REMEMBER_SECONDS = 60.0
REMEMBER_AT_MOST = 10_000  # messages per container: a bound on memory whatever the traffic


class HandlerQueues(Protocol):
    def send(self, route: Route, messages: Sequence[BaseModel]) -> None:
        """Enqueue all of ``messages`` on the handler queue for ``route``, or raise."""
        ...


class RoutingBatch:
    """``HandlerQueues`` for one invocation: ``send`` holds (but for ``sent_at_once``), ``flush`` sends each held
    queue's share at once."""

    def __init__(
        self,
        queues: HandlerQueues,
        sent_at_once: frozenset[Route] = SENT_AT_ONCE,
        *,
        remember_seconds: float = REMEMBER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._queues = queues
        self._sent_at_once = sent_at_once
        self._messages: dict[Route, list[BaseModel]] = {}
        self._releases: list[Callable[[], None]] = []
        self._holding_for_record = False  # this record has held messages (routing is one record at a time)
        self._remember_seconds, self._clock = remember_seconds, clock
        self._queued_at: dict[str, float] = {}  # message fingerprint -> when it went to its queue, oldest first
        self._held: set[str] = set()  # fingerprints of the messages held for this invocation's flush

    def queued(self, routed: Routed) -> bool:
        """The very same message is on its queue from this container within ``REMEMBER_SECONDS``, or held for this
        invocation's flush (the record routing it then gives its mark back with the held ones if that fails)."""
        fingerprint = _fingerprint(routed.route, routed.message)
        if fingerprint in self._held:
            self._holding_for_record = True
            return True
        at = self._queued_at.get(fingerprint)
        return at is not None and self._clock() - at < self._remember_seconds

    def send(self, route: Route, messages: Sequence[BaseModel]) -> None:
        if route in self._sent_at_once:
            self._queues.send(route, messages)
            self._remember(_fingerprint(route, message) for message in messages)
            return
        self._messages.setdefault(route, []).extend(messages)
        self._held.update(_fingerprint(route, message) for message in messages)
        self._holding_for_record = True

    def release_if_unsent(self, release: Callable[[], None]) -> None:
        """The record just routed gives its mark back (``release``) if its held messages cannot be sent."""
        holding, self._holding_for_record = self._holding_for_record, False
        if holding:
            self._releases.append(release)

    def flush(self) -> None:
        """Send what is held; if a send fails, give every held record's mark back and raise, so that the
        invocation fails and SQS delivers the whole batch again."""
        messages, releases, held = self._messages, self._releases, self._held
        self.abandon(release=False)
        try:
            for route in sorted(messages, key=_QUEUE_ORDER.index):
                self._queues.send(route, messages[route])
        except BaseException:
            _release(releases)
            raise
        self._remember(held)

    def abandon(self, *, release: bool = True) -> None:
        """Drop what is held (the invocation fails; SQS delivers its records again) and give their marks back."""
        releases = self._releases
        self._messages, self._releases, self._holding_for_record, self._held = {}, [], False, set()
        if release:
            _release(releases)

    def _remember(self, fingerprints: Iterable[str]) -> None:
        now, queued_at = self._clock(), self._queued_at
        for fingerprint in fingerprints:
            queued_at.pop(fingerprint, None)  # re-inserted last: the dict stays oldest first
            queued_at[fingerprint] = now
        # Forget the oldest: those past the window, and any beyond the bound.
        while queued_at:
            oldest, at = next(iter(queued_at.items()))
            if now - at < self._remember_seconds and len(queued_at) <= REMEMBER_AT_MOST:
                break
            del queued_at[oldest]


def _fingerprint(route: Route, message: BaseModel) -> str:
    """A message's identity for ``queued``: its queue and its whole body (the business key is in the body)."""
    body = message.model_dump_json()
    return f"{route}:{hashlib.sha256(body.encode()).hexdigest()}"


def _release(releases: list[Callable[[], None]]) -> None:
    for each in releases:
        with suppress(Exception):  # a mark not given back is taken again by its own report's redelivery
            each()
