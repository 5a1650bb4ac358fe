"""The Centra fake over real HTTP on loopback: GraphQL, test endpoints, webhooks, and the command."""

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from engage_bridge.centra.webhook_payload import parse_webhook_body
from engage_bridge.centra.webhook_signature import HEADER_NAME, verify_signature
from engage_bridge_tools.centra_fake.rate_limit import RateLimit
from engage_bridge_tools.centra_fake.webhooks import WebhookTarget
from tests.integration.centra.conftest import CentraFakeFactory, CentraFakeHandle

pytestmark = pytest.mark.integration

LISTEN_TO_ORDERS = "mutation { setEventListeners(input: [{objectType: Order}]) { userErrors { message } } }"
EVENTS = "{ events(limit: 200) { id objectType changeType objectReference object { ... on Order { status } } } }"


class WebhookReceiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/webhook"


class _ReceiverHandler(BaseHTTPRequestHandler):
    server: WebhookReceiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((body, dict(self.headers.items())))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_query_with_the_token(centra_fake: CentraFakeHandle) -> None:
    response = centra_fake.query("query($n: Int!) { orders(where: {number: [$n]}) { number status } }", {"n": 1002})

    assert response.status_code == 200
    assert response.json()["data"] == {"orders": [{"number": 1002, "status": "CONFIRMED"}]}


def test_a_wrong_token_is_refused(centra_fake: CentraFakeHandle) -> None:
    response = centra_fake.query("{ eventListeners { objectType } }", token="not-a-token")

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["category"] == "authorization"


def test_events_flow_through_test_endpoints(centra_fake: CentraFakeHandle) -> None:
    centra_fake.query(LISTEN_TO_ORDERS)

    shipped = httpx.post(f"{centra_fake.url}/_fake/ship-order", json={"order_number": 1005, "lines": {"7": 2}})
    events = centra_fake.query(EVENTS).json()["data"]["events"]
    confirm = centra_fake.query(
        "mutation($ids: [Int!]!) { confirmEvents(input: {eventsIds: $ids}) { userWarnings { message } } }",
        {"ids": [event["id"] for event in events]},
    )

    assert shipped.status_code == 200 and shipped.json()["number"] == "1005-1"
    assert [(e["changeType"], e["objectReference"]) for e in events] == [("UPDATED", 1005), ("UPDATED", 1005)]
    assert all(event["object"] == {"status": "PROCESSING"} for event in events)  # current state, split shipment
    assert confirm.json()["data"]["confirmEvents"]["userWarnings"] == []
    assert centra_fake.query(EVENTS).json()["data"]["events"] == []


def test_test_endpoints_report_refusals_and_state(centra_fake: CentraFakeHandle) -> None:
    refused = httpx.post(f"{centra_fake.url}/_fake/cancel-order", json={"order_number": 1001})
    bad = httpx.post(f"{centra_fake.url}/_fake/cancel-order", json={"number": 1001})
    unknown = httpx.post(f"{centra_fake.url}/_fake/explode", json={})
    stock = httpx.post(
        f"{centra_fake.url}/_fake/set-stock", json={"sku": "CAP200-M", "warehouse_id": 101, "free_to_allocate": 0}
    )
    shop = httpx.get(f"{centra_fake.url}/_fake/shop").json()

    assert (refused.status_code, refused.json()) == (409, {"error": "order 1001 is SHIPPED and cannot be cancelled"})
    assert bad.status_code == 400
    assert unknown.status_code == 404
    assert stock.status_code == 200
    cap = next(s for s in shop["stock"] if s["productSize"]["SKU"] == "CAP200-M" and s["warehouse"]["id"] == 101)
    assert cap["freeToAllocateQuantity"] == 0


def test_pending_events_are_visible_per_integration(centra_fake_factory: CentraFakeFactory) -> None:
    handle = centra_fake_factory(tokens={"t1": "brand-a", "t2": "brand-a"})
    handle.query(LISTEN_TO_ORDERS, token="t1")
    handle.fake.cancel_order(1002)

    seen_by_other_token = handle.query(EVENTS, token="t2").json()["data"]["events"]
    pending = httpx.get(f"{handle.url}/_fake/events", params={"integration": "brand-a"}).json()

    assert [e["objectReference"] for e in seen_by_other_token] == [1002]
    assert [e["object_reference"] for e in pending["events"]] == [1002]


def test_rate_limit_answers_429_with_a_timestamp(centra_fake_factory: CentraFakeFactory) -> None:
    handle = centra_fake_factory(rate_limit=RateLimit(requests=1, window_seconds=3600))

    first = handle.query("{ eventListeners { objectType } }")
    second = handle.query("{ eventListeners { objectType } }")

    assert first.status_code == 200
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) > 1_000_000_000  # a Unix timestamp, per Centra's docs


def test_signed_webhooks_reach_a_loopback_receiver(
    centra_fake_factory: CentraFakeFactory, receiver: WebhookReceiver
) -> None:
    handle = centra_fake_factory(webhook=WebhookTarget(receiver.url, "hook-secret"))

    httpx.post(f"{handle.url}/_fake/update-customer", json={"customer_id": 3, "changes": {"lastName": "Ek"}})

    [(body, headers)] = receiver.received
    delivery = handle.fake.webhook_deliveries()[0]
    assert delivery.outcome == "delivered" and delivery.status == 204
    assert verify_signature(body, headers[HEADER_NAME], ["hook-secret"], now=time.time()).secret_index == 0
    assert [(e.type, e.action, e.id) for e in parse_webhook_body(body).events] == [("customer", "update", 3)]
    deliveries = httpx.get(f"{handle.url}/_fake/webhooks").json()["deliveries"]
    assert [d["outcome"] for d in deliveries] == ["delivered"]


def test_dropped_webhooks_leave_the_events_queue_complete(
    centra_fake_factory: CentraFakeFactory, receiver: WebhookReceiver
) -> None:
    handle = centra_fake_factory(webhook=WebhookTarget(receiver.url, "hook-secret", drop_share=0.5, seed=3))
    handle.query(LISTEN_TO_ORDERS)
    for number in (1002, 1005):
        handle.fake.cancel_order(number)

    delivered = {event.id for body, _ in receiver.received for event in parse_webhook_body(body).events}
    queued = {event["objectReference"] for event in handle.query(EVENTS).json()["data"]["events"]}

    assert len(receiver.received) == sum(1 for d in handle.fake.webhook_deliveries() if d.outcome == "delivered")
    assert queued == {1002, 1005} and delivered <= queued


def test_the_command_serves_the_shop() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "engage_bridge_tools.cli", "centra-fake", "--port", "0", "--token", "cli-token=cli"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        url = banner.split()[3]
        response = httpx.post(
            url,
            json={"query": "{ orders(where: {number: [1001, 1002]}) { number market { name } } }"},
            headers={"Authorization": "Bearer cli-token"},
        )
        assert json.loads(response.text)["data"] == {
            "orders": [{"number": 1001, "market": {"name": "SE"}}, {"number": 1002, "market": {"name": "EU"}}]
        }
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_command_checks_a_shop_file(tmp_path: Any) -> None:
    bad = tmp_path / "shop.json"
    bad.write_text(json.dumps({"stores": [], "markets": [], "orders": [{"number": 1}]}), encoding="utf-8")

    result = subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "-m", "engage_bridge_tools.cli", "centra-fake", "--check", "--shop", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 2
    assert "orders[0].id: Field required" in result.stderr and not result.stdout
