"""A message the router queued a moment ago is not queued again by another report of the change (already_queued).

Centra reports one change of an order as several objects (a shipment's create and its order's update): each is
read and routed on its own, and each routed the order's unsent e-mails and receipts again, for their handlers to
skip as duplicates. The router's batch remembers what it queued; only the very same message is skipped, and
nothing rests on the memory (the handlers still deduplicate on their own).
"""

from collections import Counter
from collections.abc import Sequence
from typing import Any
from unittest import mock

import pytest
from pydantic import BaseModel

from engage_bridge import queued_messages
from engage_bridge.centra import Order
from engage_bridge.delivery import Delivery, current_delivery
from engage_bridge.messages import IngestEvent, IngestSource
from engage_bridge.queued_messages import REMEMBER_SECONDS, QueuedMessages
from engage_bridge.route_marks import DynamoRouteMarks
from engage_bridge.router import RouterServices, route_ingest_event
from engage_bridge.router_batch import RoutingBatch
from engage_bridge.routing import Route
from tests.aws import Clock
from tests.unit.router.test_route_marks import FailingQueues, _report
from tests.unit.router.test_router import CONFIG, SHIPPED, FakeCentra, MemoryLedger, RecordingQueues
from tests.unit.router.test_router_batch import CountingQueues


def _members_order() -> Order:
    """The shipped order, its customer a member: a contact, two e-mails and a receipt."""
    assert SHIPPED.customer is not None
    return SHIPPED.model_copy(update={"customer": SHIPPED.customer.model_copy(update={"registered": True})})


MEMBER = _members_order()


class ReceiptQueueDown(CountingQueues):
    """The receipt queue refuses sends until it is back (``down = False``)."""

    down = True

    def send(self, route: Route, messages: Sequence[BaseModel]) -> None:
        if route == "receipt_push" and self.down:
            raise ConnectionError("SQS went away")
        super().send(route, messages)


@pytest.fixture
def marks(dynamodb: Any, clock: Clock) -> DynamoRouteMarks:
    return DynamoRouteMarks(dynamodb, "state", clock)


def _container(
    centra: FakeCentra, queues: RecordingQueues, marks: DynamoRouteMarks, clock: Clock
) -> tuple[RouterServices, RoutingBatch]:
    """One router container: its batch and what it remembers live across invocations (each ends with a flush)."""
    batch = RoutingBatch(queues, QueuedMessages(clock=lambda: clock.now))
    return RouterServices(CONFIG, centra, MemoryLedger(), batch, marks=marks), batch


def _skips(counted: mock.MagicMock) -> Counter[str]:
    return Counter(call.args[1] for call in counted.call_args_list if call.args[0] == "Skipped")


def test_a_shipments_report_and_its_orders_report_in_one_invocation_queue_each_message_once(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    centra, queues = FakeCentra({MEMBER.number: MEMBER}), CountingQueues()
    services, batch = _container(centra, queues, marks, clock)

    with mock.patch("engage_bridge.router.count") as counted:
        shipment = route_ingest_event(services, _report("webhook", clock.now - 2))
        order = route_ingest_event(services, _report("webhook", clock.now - 2, "order", MEMBER.number))
    batch.flush()

    keys = queues.business_keys()
    assert shipment.state == "sent" and (order.state, order.reason) == ("skipped", "nothing_new")
    assert centra.reads == 2  # each report still reads the order: its own change may have changed it
    assert len(keys) == len(set(keys)) > 0
    assert _skips(counted)["already_queued"] == len(keys)  # every copy counted, with why
    assert queues.calls == ["contact_upsert", "order_status", "receipt_push"]  # the order's report: no send at all


def test_the_same_message_from_the_next_invocation_of_the_container_is_skipped_within_the_window(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    centra, queues = FakeCentra({MEMBER.number: MEMBER}), RecordingQueues()
    services, batch = _container(centra, queues, marks, clock)
    route_ingest_event(services, _report("webhook", clock.now - 2))
    batch.flush()
    first = len(queues.sent)

    clock.now += REMEMBER_SECONDS - 1
    soon = route_ingest_event(services, _report("webhook", clock.now - 1, "order", MEMBER.number))
    batch.flush()
    clock.now += 2
    later = route_ingest_event(services, _report("events", clock.now - 1, "order", MEMBER.number))
    batch.flush()

    assert soon.reason == "nothing_new" and len(queues.sent) == 2 * first
    assert later.state == "sent"  # past the window: the handlers judge the copy, as before


def test_a_message_whose_order_changed_meanwhile_is_queued_again(marks: DynamoRouteMarks, clock: Clock) -> None:
    centra, queues = FakeCentra({MEMBER.number: MEMBER}), RecordingQueues()
    services, batch = _container(centra, queues, marks, clock)
    route_ingest_event(services, _report("webhook", clock.now - 2))

    centra.orders[MEMBER.number] = MEMBER.model_copy(update={"id": "changed since"})
    again = route_ingest_event(services, _report("webhook", clock.now - 2, "order", MEMBER.number))
    batch.flush()

    keys = Counter(queues.business_keys())
    assert again.state == "sent" and len(keys) == 4
    # The order's effects: same keys, new bodies, so the handlers decide. Its customer did not change: the contact's
    # key is its content, and that message was queued already.
    assert all(n == (2 if key.startswith("order:") else 1) for key, n in keys.items())


def test_a_flush_that_fails_forgets_what_it_held_not_what_was_queued_before(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    centra, queues = FakeCentra({MEMBER.number: MEMBER}), ReceiptQueueDown()
    services, batch = _container(centra, queues, marks, clock)
    queues.down = False
    route_ingest_event(services, _report("webhook", clock.now - 2))
    batch.flush()  # an invocation that went well: its four messages are on their queues, remembered
    first = list(queues.business_keys())

    # The order changes (its e-mails and receipt with it, not its customer's contact): a new change, routed.
    centra.orders[MEMBER.number] = MEMBER.model_copy(update={"id": "changed since"})
    clock.now += 5
    queues.down = True
    with mock.patch("engage_bridge.router.count") as counted:
        route_ingest_event(services, _report("webhook", clock.now - 1))
    with pytest.raises(ConnectionError):
        batch.flush()  # the e-mails went out, the receipt did not: the invocation fails, SQS delivers it again
    failed = queues.business_keys()[len(first) :]

    queues.down = False
    with mock.patch("engage_bridge.router.count") as counted_again:
        redelivered = route_ingest_event(services, _report("webhook", clock.now - 1))
    batch.flush()
    again = queues.business_keys()[len(first) + len(failed) :]

    assert len(first) == 4 and _skips(counted)["already_queued"] == 1  # the contact, queued by the first flush
    assert len(failed) == 2 and not any(":receipt:" in key for key in failed)
    # Still remembered: the contact. Forgotten: all the failed flush held, even the e-mails that reached their queue.
    assert redelivered.state == "sent" and _skips(counted_again)["already_queued"] == 1
    assert sorted(again) == sorted(failed + [key for key in first if ":receipt:" in key])


def test_a_record_riding_on_held_messages_gives_its_mark_back_when_they_cannot_be_sent(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    centra = FakeCentra({MEMBER.number: MEMBER})
    services, batch = _container(centra, FailingQueues(), marks, clock)
    route_ingest_event(services, _report("webhook", clock.now - 2))
    rides = route_ingest_event(services, _report("webhook", clock.now - 2, "order", MEMBER.number))
    with pytest.raises(ConnectionError):
        batch.flush()

    other = RouterServices(CONFIG, centra, MemoryLedger(), RecordingQueues(), marks=marks)
    order_again = route_ingest_event(other, _report("events", clock.now - 2, "order", MEMBER.number))

    assert rides.reason == "nothing_new"
    assert order_again.state == "sent"  # not "already_routed": the order's mark was given back with the held ones


def test_a_record_whose_messages_are_all_queued_keeps_its_mark_when_the_flush_fails(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    centra, queues = FakeCentra({MEMBER.number: MEMBER}), ReceiptQueueDown()
    services, batch = _container(centra, queues, marks, clock)
    queues.down = False
    route_ingest_event(services, _report("webhook", clock.now - 2))
    batch.flush()  # the shipment's messages are on their queues

    # The next invocation: the order's report finds them all queued and holds nothing; the shipment's next change
    # holds new e-mails and a receipt, which cannot be sent.
    queues.down = True
    quiet = route_ingest_event(services, _report("webhook", clock.now - 2, "order", MEMBER.number))
    centra.orders[MEMBER.number] = MEMBER.model_copy(update={"id": "changed since"})
    clock.now += 5
    route_ingest_event(services, _report("webhook", clock.now - 1))
    with pytest.raises(ConnectionError):
        batch.flush()

    other = RouterServices(CONFIG, centra, MemoryLedger(), RecordingQueues(), marks=marks)
    order_again = route_ingest_event(other, _report("events", clock.now - 7, "order", MEMBER.number))
    shipment_again = route_ingest_event(other, _report("events", clock.now - 1))

    assert quiet.reason == "nothing_new"
    assert order_again.reason == "already_routed"  # its route stands: nothing of it was lost with the flush
    assert shipment_again.state == "sent"  # the held record's mark was given back


@pytest.mark.parametrize("fails", ["the_send", "the_invocation"])
def test_what_an_invocation_that_fails_held_is_not_remembered(
    fails: str, marks: DynamoRouteMarks, clock: Clock
) -> None:
    centra, queues = FakeCentra({MEMBER.number: MEMBER}), CountingQueues(fail_first=int(fails == "the_send"))
    services, batch = _container(centra, queues, marks, clock)
    route_ingest_event(services, _report("webhook", clock.now - 2))
    if fails == "the_send":
        with pytest.raises(ConnectionError):
            batch.flush()  # the contact's send failed, and nothing after it was sent
    else:
        batch.abandon()  # a later record of the batch raised: the router's entry abandons what it held

    with mock.patch("engage_bridge.router.count") as counted:
        again = route_ingest_event(services, _report("webhook", clock.now - 2))
    batch.flush()

    assert again.state == "sent" and _skips(counted)["already_queued"] == 0
    assert len(queues.business_keys()) == 4 and any(":email:" in key for key in queues.business_keys())


def test_a_message_an_operator_redrove_is_routed_whatever_the_router_remembers(
    marks: DynamoRouteMarks, clock: Clock
) -> None:
    centra, queues = FakeCentra({MEMBER.number: MEMBER}), RecordingQueues()
    services, batch = _container(centra, queues, marks, clock)
    route_ingest_event(services, _report("webhook", clock.now - 2))
    batch.flush()
    first = Counter(queues.business_keys())

    token = current_delivery.set(Delivery("redriven-message", redriven=True))
    try:
        redriven = route_ingest_event(services, _report("webhook", clock.now - 2, "order", MEMBER.number))
    finally:
        current_delivery.reset(token)
    batch.flush()

    assert redriven.state == "sent" and Counter(queues.business_keys()) == first + first


def test_the_memory_keeps_to_its_bound(marks: DynamoRouteMarks, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queued_messages, "REMEMBER_AT_MOST", 2)
    centra, queues = FakeCentra({MEMBER.number: MEMBER}), RecordingQueues()
    services, batch = _container(centra, queues, marks, clock)
    route_ingest_event(services, _report("webhook", clock.now - 2))  # four messages, one flush: two forgotten
    batch.flush()
    first = queues.business_keys()

    again = route_ingest_event(services, _report("webhook", clock.now - 2, "order", MEMBER.number))
    batch.flush()
    requeued = queues.business_keys()[len(first) :]

    assert len(first) == 4 and again.state == "sent"
    assert len(requeued) == len(set(requeued)) == 2 and set(requeued) < set(first)


@pytest.mark.parametrize("source", ["reconcile", "backfill"])
def test_a_reconciliations_or_backfills_report_routes_whatever_the_router_remembers(
    source: IngestSource, marks: DynamoRouteMarks, clock: Clock
) -> None:
    # They route what the ledger lacks: a message queued a moment ago that never reached its handler's ledger.
    centra, queues = FakeCentra({MEMBER.number: MEMBER}), RecordingQueues()
    services, batch = _container(centra, queues, marks, clock)
    route_ingest_event(services, _report("webhook", clock.now - 2))
    batch.flush()
    first = Counter(queues.business_keys())

    fix = IngestEvent(source=source, object_type="order", object_id=MEMBER.number)
    again = route_ingest_event(services, fix)
    batch.flush()

    assert again.state == "sent" and Counter(queues.business_keys()) == first + first
