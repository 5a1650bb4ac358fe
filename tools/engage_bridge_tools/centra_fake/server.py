"""HTTP front of the Centra fake: ``POST /graphql`` like Centra, plus test-only ``/_fake/...`` endpoints.

``/_fake/<action>`` takes a JSON object of the Python method's keyword arguments (snake_case) and answers
with the changed entry; ``GET /_fake/shop``, ``/_fake/events`` and ``/_fake/webhooks`` show state.
"""

import json
import threading
from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from engage_bridge_tools.centra_fake.fake import DEFAULT_INTEGRATION, CentraFake
from engage_bridge_tools.centra_fake.shop_actions import ShopActionError

MAX_BODY_BYTES = 5 * 1024 * 1024


def _int_keys(mapping: dict[str, int] | None) -> dict[int, int] | None:
    # JSON object keys are strings; line ids are ints.
    return None if mapping is None else {int(key): int(value) for key, value in mapping.items()}


def _register_return(
    fake: CentraFake,
    *,
    shipment_id: int | None = None,
    lines: dict[str, int] | None = None,
    handling_fee: float = 0.0,
    comment: str | None = None,
    shipment_number: str | None = None,
    order_lines: dict[str, int] | None = None,
) -> Any:
    return fake.register_return(
        shipment_id,
        _int_keys(lines),
        handling_fee=handling_fee,
        comment=comment,
        shipment_number=shipment_number,
        order_lines=_int_keys(order_lines),
    )


def _actions(fake: CentraFake) -> dict[str, Callable[..., Any]]:
    return {
        "create-shipment": lambda order_number, lines=None, tracking_number=None: fake.create_shipment(
            order_number, _int_keys(lines), tracking_number
        ),
        "complete-shipment": fake.complete_shipment,
        "ship-order": lambda order_number, lines=None, tracking_number=None: fake.ship_order(
            order_number, _int_keys(lines), tracking_number
        ),
        "register-return": partial(_register_return, fake),
        "complete-return": fake.complete_return,
        "cancel-order": fake.cancel_order,
        "update-customer": fake.update_customer,
        "add-newsletter-subscription": fake.add_newsletter_subscription,
        "set-stock": fake.set_stock,
        "add-order": fake.add_order,
    }


class CentraFakeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: CentraFake, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False) -> None:
        self.fake = fake
        self.verbose = verbose
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: CentraFakeHTTPServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, delayed ACKs add ~40 ms to every answer.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting (its timeout); it retries, as against Centra

    def _body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "body too large"})
            return None
        return self.rfile.read(length)

    def do_POST(self) -> None:
        body = self._body()
        if body is None:
            return
        path = urlsplit(self.path).path
        fake = self.server.fake
        if path == "/graphql":
            response = fake.handle_graphql(self.headers.get("Authorization"), self.headers.get("Cookie"), body)
            self._send(response.status, response.body, dict(response.headers))
        elif path.startswith("/_fake/"):
            self._fake_action(path.removeprefix("/_fake/"), body)
        else:
            self._send(HTTPStatus.NOT_FOUND, {"error": f"no route {path}"})

    def _fake_action(self, name: str, body: bytes) -> None:
        action = _actions(self.server.fake).get(name)
        if action is None:
            self._send(HTTPStatus.NOT_FOUND, {"error": f"unknown fake action {name!r}"})
            return
        try:
            arguments = json.loads(body or b"{}")
            if not isinstance(arguments, dict):
                raise TypeError("expected a JSON object")
            result = action(**arguments)
        except ShopActionError as error:
            self._send(HTTPStatus.CONFLICT, {"error": str(error)})
        except (ValueError, TypeError) as error:
            self._send(HTTPStatus.BAD_REQUEST, {"error": f"bad arguments for {name}: {error}"})
        else:
            self._send(HTTPStatus.OK, result)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        fake = self.server.fake
        if url.path == "/_fake/shop":
            self._send(HTTPStatus.OK, fake.snapshot())
        elif url.path == "/_fake/events":
            integration = parse_qs(url.query).get("integration", [DEFAULT_INTEGRATION])[0]
            events = [
                {**asdict(event), "created_at": event.created_at.isoformat()}
                for event in fake.pending_events(integration)
            ]
            self._send(HTTPStatus.OK, {"integration": integration, "events": events})
        elif url.path == "/_fake/webhooks":
            deliveries = [
                {"outcome": d.outcome, "status": d.status, "error": d.error, "body": d.body.decode("ascii")}
                for d in fake.webhook_deliveries()
            ]
            self._send(HTTPStatus.OK, {"deliveries": deliveries})
        else:
            self._send(HTTPStatus.NOT_FOUND, {"error": f"no route {url.path}"})


class RunningCentraFake:
    """The HTTP server on a background thread; a context manager for tests."""

    def __init__(self, fake: CentraFake, host: str = "127.0.0.1", port: int = 0) -> None:
        self.fake = fake
        self.server = CentraFakeHTTPServer(fake, host, port)
        # A short poll interval keeps shutdown (and so test teardown) quick.
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="centra-fake", daemon=True
        )

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()
