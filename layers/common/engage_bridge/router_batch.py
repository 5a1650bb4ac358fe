"""One router invocation's messages for the queues nobody waits on, held until its records are routed.

Sent as each record was routed, a batch of ten ingest messages cost a ``SendMessageBatch`` per handler queue per
record (307 calls for 318 messages in the 60-order bench run; one per queue per invocation would be 89). Held, the
receipts, redemptions and stock levels of an invocation go out in one send per queue (and per ten messages) at its
end. Contacts and e-mails are sent at once, record by record (``SENT_AT_ONCE``): held, they reached their queues
seconds later and ten at a time, one container then working through the ten in turn, and the webhook path's p99
at half the Engage budget went from 7.5 s to 16.8 s, past issue 18's 10 s goal (docs/decision-log.md, 2026-12-07).

Nothing is lost for it:

- a record's route mark is set only after all its messages are in their queues (``after_sent``), as before: a mark
  never says "routed" for messages that were not sent;
- a second report of an object whose messages are still held (the poller lists an order's creation and its update
  in one batch) flushes first, so its mark decides as it did: covered, or routed again;
- if a send fails, every held record's claim is released and the invocation raises (``flush``): Lambda deletes
  none of the batch and SQS delivers all of it again. What did get in is deduplicated by the handlers on its
  business key, as for any ingest message routed twice.

Held queues are sent in the order the routing decisions use (receipts, redemptions, stock); standard queues keep no
order between them, and ``sequence`` orders an order's effects from the ledger.
"""

from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Protocol, get_args

from pydantic import BaseModel

from engage_bridge.observability import logger
from engage_bridge.routing import Route

_QUEUE_ORDER: tuple[Route, ...] = get_args(Route)
# The queues a customer's e-mail waits on: sent record by record, never held.
SENT_AT_ONCE: frozenset[Route] = frozenset({"contact_upsert", "order_status"})


class HandlerQueues(Protocol):
    def send(self, route: Route, messages: Sequence[BaseModel]) -> None:
        """Enqueue all of ``messages`` on the handler queue for ``route``, or raise."""
        ...


@dataclass(frozen=True, slots=True)
class _Held:
    object_key: str
    confirm: Callable[[], None]  # the messages are in their queues: mark the change routed
    release: Callable[[], None]  # they may not be: free the claim for the next delivery


class SendFailedEarlierInBatch(Exception):
    """A send of this invocation failed: the whole batch must come back, not only the record that saw it."""


class RoutingBatch:
    """``HandlerQueues`` for one invocation: ``send`` holds (but for ``sent_at_once``), ``flush`` sends each held
    queue's share at once."""

    def __init__(self, queues: HandlerQueues, sent_at_once: frozenset[Route] = SENT_AT_ONCE) -> None:
        self._queues = queues
        self._sent_at_once = sent_at_once
        self._messages: dict[Route, list[BaseModel]] = {}
        self._held: list[_Held] = []
        self._failed: BaseException | None = None
        self._holding_for_record = False  # this record has held messages (routing is one record at a time)

    def send(self, route: Route, messages: Sequence[BaseModel]) -> None:
        if route in self._sent_at_once:
            self._queues.send(route, messages)
            return
        self._messages.setdefault(route, []).extend(messages)
        self._holding_for_record = True

    def after_sent(self, object_key: str, confirm: Callable[[], None], release: Callable[[], None]) -> None:
        """``confirm`` once the record's messages are all in their queues: now if none is held, else at ``flush``."""
        holding, self._holding_for_record = self._holding_for_record, False
        if not holding:
            confirm()
            return
        self._held.append(_Held(object_key, confirm, release))

    def holds(self, object_key: str) -> bool:
        return any(held.object_key == object_key for held in self._held)

    def flush(self) -> None:
        """Send what is held, then mark its records routed; if a send fails (now or earlier in this invocation),
        release every held claim and raise, so that the invocation fails and SQS delivers the whole batch again."""
        if (failed := self._failed) is not None:
            self.abandon()
            raise SendFailedEarlierInBatch("a send to a handler queue failed earlier in this batch") from failed
        messages, held = self._messages, self._held
        self._messages, self._held, self._holding_for_record = {}, [], False
        try:
            for route in sorted(messages, key=_QUEUE_ORDER.index):
                self._queues.send(route, messages[route])
        except BaseException as error:
            self._failed = error
            _release(held)
            raise
        for each in held:
            try:
                each.confirm()
            except Exception as error:  # sent already: an unset mark only lets the other report route it again
                logger.warning("could not mark a routed change", extra={"failure": type(error).__name__})
                with suppress(Exception):
                    each.release()

    def abandon(self) -> None:
        """Drop what is held (the invocation fails; SQS delivers its records again) and release their claims."""
        held = self._held
        self._messages, self._held, self._failed, self._holding_for_record = {}, [], None, False
        _release(held)


def _release(held: list[_Held]) -> None:
    for each in held:
        with suppress(Exception):  # an unreleased claim expires with its lease
            each.release()
