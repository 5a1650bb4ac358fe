"""The fake's opt-in repeats: a share of shop changes reaches the integration twice, by events and by webhook."""

from collections import Counter

from engage_bridge.centra.webhook_payload import parse_webhook_body
from engage_bridge_tools.centra_fake.fake import DEFAULT_INTEGRATION, CentraFake
from engage_bridge_tools.centra_fake.webhooks import WebhookTarget
from tests.unit.centra.fake_support import SteppingClock
from tests.unit.centra.test_fake_webhooks import RecordingTransport


def _fake(transport: RecordingTransport, repeat_share: float, seed: int = 0) -> CentraFake:
    target = WebhookTarget("http://127.0.0.1:9/hook", "secret")
    fake = CentraFake.from_file(
        clock=SteppingClock(),
        webhook=target,
        webhook_transport=transport,
        repeat_share=repeat_share,
        repeat_seed=seed,
    )
    fake.hub.set_listener(DEFAULT_INTEGRATION, "Order", None)
    fake.hub.set_listener(DEFAULT_INTEGRATION, "Shipment", None)
    return fake


def _webhook_events(transport: RecordingTransport) -> list[tuple[str, str, int]]:
    return [(e.type, e.action, e.id) for _, body, _ in transport.requests for e in parse_webhook_body(body).events]


def test_a_repeated_change_is_queued_and_posted_twice() -> None:
    transport = RecordingTransport()
    fake = _fake(transport, repeat_share=1.0)

    shipment = fake.create_shipment(1002)

    queued = Counter((e.object_type, e.change_type, e.object_reference) for e in fake.pending_events())
    assert queued == {("Shipment", "CREATED", shipment["id"]): 2, ("Order", "UPDATED", 1002): 2}
    assert len({e.id for e in fake.pending_events()}) == 4  # each repeat is an event of its own
    assert _webhook_events(transport) == [("shipment", "create", shipment["id"]), ("order", "update", 1002)] * 2
    assert fake.repeated_changes == 1
    order = fake.shop.order(number=1002)
    assert order is not None
    assert len(order["shipments"]) == 1  # the change itself happened once


def test_without_repeats_each_change_arrives_once() -> None:
    transport = RecordingTransport()
    fake = _fake(transport, repeat_share=0.0)

    fake.create_shipment(1002)

    assert len(fake.pending_events()) == 2
    assert len(transport.requests) == 1
    assert fake.repeated_changes == 0


def test_a_share_repeats_some_changes_and_not_others() -> None:
    transport = RecordingTransport()
    fake = _fake(transport, repeat_share=0.5, seed=3)

    for quantity in range(20):
        fake.set_stock("BAG100-ONE", 101, quantity)

    assert 0 < fake.repeated_changes < 20
