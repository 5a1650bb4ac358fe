"""One router invocation's Centra reads, made together before its reports are routed one by one.

Read report by report, a batch of ten ingest messages made its Centra requests one after the other: 6 on average
per invocation in the 60-order bench, 0.9 s of an invocation's billed 0.9 s at 100 ms a request. The router now
takes the route marks of its batch first, then reads every object those reports need in one request (and the
orders' shipments in a second: ``CentraClient.read_together``), and each report is routed from its own part of
that answer (``AnsweredReader``).

What each report keeps from being routed alone:

- its mark is taken before the read, as before: the batched request starts after every take of the batch, so a
  mark still promises a read that started after it was taken (``route_marks``);
- a report uses only the answer to its own object, read after its own take; a report routed without one (its
  object was not answered, its take was not made ahead, a second delivery of a message in the batch) takes its
  mark and reads Centra on its own, and fails or is retried alone;
- a mark taken ahead for a report the invocation never routes is given back (``ReadsAhead.release``).
"""

from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from typing import TYPE_CHECKING

from msgspec import Struct
from msgspec.structs import replace

from engage_bridge.centra.together import CentraRef, ObjectAnswer
from engage_bridge.route_marks import Claim

if TYPE_CHECKING:
    from engage_bridge.centra import Customer, NewsletterSubscription, Order
    from engage_bridge.router import CentraReader


class ReadAhead(Struct, frozen=True):
    """One report's preparation: the mark it took (None: it is routed whatever the mark says), the object it
    reads and Centra's answer for it (None: not answered together, so read alone)."""

    claim: Claim | None
    ref: CentraRef
    answer: ObjectAnswer | None = None


class ReadsAhead:
    """The invocation's reports prepared ahead, by SQS message id (the same on every delivery of a message)."""

    def __init__(self) -> None:
        self._by_message: dict[str, ReadAhead] = {}

    def __contains__(self, message_id: str) -> bool:
        return message_id in self._by_message

    def add(self, message_id: str, claim: Claim | None, ref: CentraRef) -> None:
        self._by_message[message_id] = ReadAhead(claim, ref)

    def refs(self) -> list[CentraRef]:
        return list(dict.fromkeys(ahead.ref for ahead in self._by_message.values()))

    def answer(self, answers: Mapping[CentraRef, ObjectAnswer]) -> None:
        self._by_message = {
            message_id: replace(ahead, answer=answers.get(ahead.ref)) for message_id, ahead in self._by_message.items()
        }

    def pop(self, message_id: str) -> ReadAhead | None:
        """The report's preparation, once: a second delivery of the message in the batch is routed on its own."""
        return self._by_message.pop(message_id, None)

    def release(self, release: Callable[[Claim], None] | None) -> None:
        """Forget what no report used, giving back the marks taken for it (its message comes back, or was never
        routed)."""
        unused, self._by_message = self._by_message, {}
        for ahead in unused.values():
            if ahead.claim is not None and release is not None:
                with suppress(Exception):  # a mark not given back is taken again by its own message's redelivery
                    release(ahead.claim)


class AnsweredReader:
    """``CentraReader`` for one report: its own object from the invocation's read, anything else from Centra."""

    def __init__(self, centra: "CentraReader", ref: CentraRef, answer: ObjectAnswer) -> None:
        self._centra = centra
        self._ref = ref
        self._answer = answer

    def _answers(self, kind: str, object_id: int) -> bool:
        return self._ref.kind == kind and self._ref.id == object_id

    def order(self, number: int) -> "Order | None":
        return self._answer.order() if self._answers("order", number) else self._centra.order(number)

    def shipment_order(self, shipment_id: int) -> "Order | None":
        if self._answers("shipment", shipment_id):
            return self._answer.order()
        return self._centra.shipment_order(shipment_id)

    def return_order(self, return_id: int) -> "Order | None":
        return self._answer.order() if self._answers("return", return_id) else self._centra.return_order(return_id)

    def customer(self, customer_id: int) -> "Customer | None":
        return self._answer.customer() if self._answers("customer", customer_id) else self._centra.customer(customer_id)

    def customer_and_anonymised(self, customer_id: int) -> "tuple[Customer | None, bool]":
        if self._answers("customer", customer_id):
            return self._answer.customer(), self._answer.anonymised
        return self._centra.customer_and_anonymised(customer_id)

    def newsletter_subscription(self, subscription_id: int) -> "NewsletterSubscription | None":
        if self._answers("newsletter_subscription", subscription_id):
            return self._answer.newsletter_subscription()
        return self._centra.newsletter_subscription(subscription_id)

    def read_together(self, refs: Iterable[CentraRef]) -> Mapping[CentraRef, ObjectAnswer]:
        return self._centra.read_together(refs)
