"""A customer deleted in Centra is routed to the contact handler as an erasure; a customer merely unreadable is not."""

from engage_bridge.messages import ContactUpsert, IngestEvent
from engage_bridge.router import route_ingest_event
from tests.unit.router.test_router import FakeCentra, MemoryLedger, RecordingQueues, services


def test_a_deleted_customer_routes_one_erasure_to_the_contact_handler() -> None:
    queues = RecordingQueues()
    event = IngestEvent(source="events", object_type="customer", object_id=77, change="DELETED", centra_event_id=9)

    outcome = route_ingest_event(services(FakeCentra(), MemoryLedger(), queues), event)

    assert outcome.state == "sent"
    ((route, message),) = queues.sent
    assert route == "contact_upsert"
    assert isinstance(message, ContactUpsert) and message.kind == "erasure"
    assert message.ledger_effect is not None and message.ledger_effect.subject == "customer#77"
    assert message.ledger_effect.name == "erasure"


def test_the_webhook_and_the_poller_reporting_one_deletion_make_one_effect() -> None:
    queues = RecordingQueues()
    for source in ("events", "webhook"):
        event = IngestEvent(source=source, object_type="customer", object_id=77, change="DELETED")
        route_ingest_event(services(FakeCentra(), MemoryLedger(), queues), event)

    assert len(set(queues.business_keys())) == 1  # the handler's idempotency keeps one


def test_a_customer_that_cannot_be_read_after_an_update_is_no_erasure() -> None:
    queues = RecordingQueues()
    event = IngestEvent(source="events", object_type="customer", object_id=77, change="UPDATED")

    outcome = route_ingest_event(services(FakeCentra(), MemoryLedger(), queues), event)

    assert (outcome.state, outcome.reason) == ("skipped", "customer_not_found")
    assert queues.sent == []


def test_a_customer_anonymised_in_centra_routes_one_erasure_whatever_the_change_type() -> None:
    for change in ("UPDATED", "DELETED", None):
        queues = RecordingQueues()
        centra = FakeCentra()
        centra.anonymised.add(77)
        event = IngestEvent(source="events", object_type="customer", object_id=77, change=change)

        route_ingest_event(services(centra, MemoryLedger(), queues), event)

        ((route, message),) = queues.sent
        assert route == "contact_upsert"
        assert isinstance(message, ContactUpsert) and message.kind == "erasure"
