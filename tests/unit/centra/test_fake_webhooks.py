"""Webhooks the fake sends verify and parse with the bridge's own receiving code."""

from collections.abc import Mapping
from datetime import timedelta

import pytest

from engage_bridge.centra.webhook_payload import parse_webhook_body
from engage_bridge.centra.webhook_signature import (
    HEADER_NAME,
    SignatureRefusal,
    WebhookSignatureError,
    verify_signature,
)
from engage_bridge_tools.centra_fake.fake import CentraFake
from engage_bridge_tools.centra_fake.webhooks import WebhookTarget, sign
from tests.unit.centra.fake_support import SteppingClock

SECRET = "endpoint-secret"


class RecordingTransport:
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[tuple[str, bytes, Mapping[str, str]]] = []

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.requests.append((url, body, headers))
        return self.status


def _fake(transport: RecordingTransport, clock: SteppingClock, drop_share: float = 0.0, seed: int = 0) -> CentraFake:
    target = WebhookTarget("http://127.0.0.1:9/hook", SECRET, drop_share=drop_share, seed=seed)
    return CentraFake.from_file(clock=clock, webhook=target, webhook_transport=transport)


def test_a_shop_change_is_posted_signed_and_form_encoded() -> None:
    clock, transport = SteppingClock(), RecordingTransport()
    fake = _fake(transport, clock)

    shipment = fake.create_shipment(1002)

    [(url, body, headers)] = transport.requests
    assert url == "http://127.0.0.1:9/hook"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert body.startswith(b"payload=")
    verified = verify_signature(body, headers[HEADER_NAME], [SECRET], now=clock.now.timestamp())
    assert verified.timestamp == int(clock.now.timestamp())
    events = parse_webhook_body(body).events
    assert [(event.type, event.action, event.id) for event in events] == [
        ("shipment", "create", shipment["id"]),
        ("order", "update", 1002),
    ]
    assert events[0].date == clock.now.replace(tzinfo=None)


def test_changes_webhooks_do_not_cover_send_nothing() -> None:
    transport = RecordingTransport()
    fake = _fake(transport, SteppingClock())

    fake.set_stock("BAG100-ONE", 101, 3)
    fake.add_newsletter_subscription("new@example.com")

    assert transport.requests == []


def test_webhooks_are_sent_without_event_listeners() -> None:
    # The webhook plugin and the events system are independent in Centra.
    transport = RecordingTransport()
    fake = _fake(transport, SteppingClock())

    fake.update_customer(1, {"lastName": "Changed"})

    assert len(transport.requests) == 1
    assert fake.pending_events() == []


def test_a_seeded_share_of_deliveries_is_dropped_reproducibly() -> None:
    def outcomes(seed: int) -> list[str]:
        transport = RecordingTransport()
        fake = _fake(transport, SteppingClock(), drop_share=0.5, seed=seed)
        for _ in range(20):
            fake.update_customer(1, {"lastName": "Changed"})
        assert len(transport.requests) == sum(1 for d in fake.webhook_deliveries() if d.outcome == "delivered")
        return [delivery.outcome for delivery in fake.webhook_deliveries()]

    first, again = outcomes(seed=7), outcomes(seed=7)

    assert first == again
    assert {"delivered", "dropped"} == set(first)


def test_a_non_2xx_answer_is_recorded_as_failed() -> None:
    fake = _fake(RecordingTransport(status=503), SteppingClock())

    fake.cancel_order(1002)

    assert [(d.outcome, d.status) for d in fake.webhook_deliveries()] == [("failed", 503)]


def test_an_old_webhook_replayed_later_is_refused_by_the_receiver() -> None:
    clock, transport = SteppingClock(), RecordingTransport()
    _fake(transport, clock).cancel_order(1002)
    [(_, body, headers)] = transport.requests

    later = clock.now + timedelta(minutes=6)

    with pytest.raises(WebhookSignatureError) as caught:
        verify_signature(body, headers[HEADER_NAME], [SECRET], now=later.timestamp())
    assert caught.value.reason is SignatureRefusal.STALE_TIMESTAMP


def test_the_fake_signs_as_centras_documented_example() -> None:
    """The Centra Webhook plugin's worked example: secret test123, t 12345678, a one-field form body."""
    header = sign("test123", 12345678, b"payload=%7B%22x%22%3A%22test%22%7D")

    assert header == "t=12345678,v1=0b9cd84f5d583e5e1aadfb9f160aa8080b51d5b85ff85808d6b75bdac356c549"


def test_the_bridge_accepts_what_the_fake_signs() -> None:
    """Two implementations written apart (the fake's from the documentation, the bridge's verifier) agree."""
    body = b"payload=%7B%22events%22%3A%5B%5D%7D"

    verified = verify_signature(body, sign("s3cret", 1_774_008_000, body), ["s3cret"], now=1_774_008_000)

    assert verified.timestamp == 1_774_008_000
