"""The sandbox over real HTTP: a ``ThreadingHTTPServer`` on loopback, started in-process or by the CLI."""

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from engage_bridge_tools.sandbox import contacts, promotions
from engage_bridge_tools.sandbox.app import DEFAULT_RATE_LIMIT, SandboxApp
from engage_bridge_tools.sandbox.faults import Fault, FaultKind, FaultPlan, ScriptedFault
from engage_bridge_tools.sandbox.protocol import JSON_HEADERS, Reply
from engage_bridge_tools.sandbox.state import Tenant, now_iso
from engage_bridge_tools.sandbox.webhooks import Delivery, PreferenceWebhooks

DEFAULT_API_KEY = "sandbox-api-key"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # keep-alive connections must not hold up stop()
    app: SandboxApp
    verbose: bool = False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a pooled client expects
    server: _Server
    timeout = 120  # idle keep-alive connections end eventually
    # Headers and body go out in two writes; with Nagle on, delayed ACKs add ~40 ms to every answer.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        outcome = self.server.app.handle(self.command, self.path, headers, raw_body)
        if outcome.after_effect is not None and not self._hold_back(outcome.after_effect):
            return
        self._reply(outcome.reply)

    def _hold_back(self, fault: Fault) -> bool:
        """Apply a post-effect fault; True when the reply should still be sent afterwards."""
        if fault.kind == "drop_after_effect":
            self.close_connection = True
            return False
        self.server.app.stopping.wait(fault.seconds)
        return True

    def _reply(self, reply: Reply) -> None:
        payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        try:
            self.send_response(reply.status)
            for name, value in {**(JSON_HEADERS if payload else {}), **reply.headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting (timeout faults)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class EngageSandbox:
    """A local Engage tenant. ``start()`` binds ``host:port`` (0 = a free port); ``stop()`` ends it.

    The helper methods act on the state directly (thread-safe); the same operations exist over HTTP under
    ``/_sandbox/`` for a sandbox running as a separate process.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = DEFAULT_API_KEY,
        tenant: Tenant | None = None,
        rate_limit: float | None = DEFAULT_RATE_LIMIT,
        faults: FaultPlan | None = None,
        seed: int = 0,
        verbose: bool = False,
    ) -> None:
        self.app = SandboxApp(api_key=api_key, tenant=tenant, rate_limit=rate_limit, faults=faults, seed=seed)
        self._address = (host, port)
        self._verbose = verbose
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.webhooks: PreferenceWebhooks | None = None

    # --- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> Self:
        server = _Server(self._address, _Handler)
        server.app = self.app
        server.verbose = self._verbose
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="engage-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self, on_ready: Callable[[str], None] | None = None) -> None:
        """Run in the calling thread until interrupted (the CLI); ``on_ready`` gets the base URL once bound."""
        server = _Server(self._address, _Handler)
        server.app = self.app
        server.verbose = self._verbose
        self._server = server
        if on_ready is not None:
            on_ready(self.base_url)
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            self.app.stopping.set()
            server.server_close()

    def stop(self) -> None:
        self.app.stopping.set()  # releases requests held back by timeout faults
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("sandbox is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self._address[0]}:{self.port}"

    @property
    def api_key(self) -> str:
        return self.app.api_key

    # --- test helpers ----------------------------------------------------------------------------------

    def set_tenant(
        self,
        *,
        order_statuses: list[str] | None = None,
        payment_statuses: list[str] | None = None,
        contact_types: list[str] | None = None,
        **settings: Any,
    ) -> None:
        """Change the tenant's tags or contact types (``[]`` means none configured), or any other ``Tenant`` field
        (``existing_key_answer``, ``receipt_import_seconds``, ``create_seconds``, ``contact_keys``, ...)."""
        data: dict[str, Any] = dict(settings)
        for name, value in (
            ("order_statuses", order_statuses),
            ("payment_statuses", payment_statuses),
            ("contact_types", contact_types),
        ):
            if value is not None:
                data[name] = value
        self.app.seed(data)

    def create_elsewhere(self, contact_type: str = "member", *, seconds: float = 1.0, **fields: Any) -> None:
        """The brand's own site starts creating this contact now; it exists ``seconds`` later. Meanwhile a create
        for the same key gets 409 ``ContactWithKeyIsBeingCreated`` and a lookup 404."""
        self.app.create_elsewhere(contact_type, seconds, fields)

    def import_receipts(self) -> int:
        """Import every queued receipt now (Engage's interval, run at once); how many left the queue."""
        return self.app.import_receipts()

    def integration_log(self) -> list[dict[str, Any]]:
        """Engage's integration log as far as the sandbox keeps one: each receipt import and its outcome."""
        self.app.tick()
        with self.app.state.lock:
            return [dict(entry) for entry in self.app.state.integration_log]

    def seed_contact(self, contact_type: str = "member", **fields: Any) -> str:
        """Store a contact directly (no request logged); return its id."""
        with self.app.state.lock:
            return str(contacts.add_contact(self.app.state, fields, contact_type, "sandbox", None)["id"])

    def seed_promotion(
        self,
        assignment_id: str | None = None,
        *,
        contact_id: str | None = None,
        channels: tuple[str, ...] = promotions.CHANNELS,
        expired: bool = False,
        redeemed: bool = False,
    ) -> str:
        with self.app.state.lock:
            assignment = promotions.add_promotion(
                self.app.state,
                assignment_id,
                contact_id=contact_id,
                channels=channels,
                expired=expired,
                redeemed=redeemed,
            )
        return str(assignment["id"])

    def seed_stock_level(
        self, sku: str, quantity: int, *, locale: str | None = None, market: str | None = None
    ) -> None:
        with self.app.state.lock:
            key = f"{sku}|{locale or ''}|{market or ''}"
            self.app.state.stock_levels[key] = {
                "sku": sku,
                "locale": locale,
                "externalId": market,
                "quantity": quantity,
            }

    def set_faults(self, plan: FaultPlan) -> None:
        self.app.faults.configure(plan)

    def script_fault(
        self,
        kind: FaultKind,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        status: int = 503,
        retry_after: str | None = None,
        seconds: float = 0.0,
        code: str | None = None,
    ) -> None:
        """Give the next ``times`` requests matching ``method`` and ``path`` (prefix) the fault ``kind``.

        ``create_timeout`` on a contact create is Engage's own 504 after ``seconds`` (5 is Engage's), nothing
        created; ``code`` gives a status fault Engage's error body for that code (e.g. 404 ``ContactNotFound``).
        """
        fault = Fault(kind, status, retry_after, seconds, code)
        self.app.faults.script(ScriptedFault(fault, method, path, times))

    def state(self) -> dict[str, Any]:
        """A deep copy of the full state, including ``requests`` (the request log), after the clock's tick."""
        self.app.tick()
        return self.app.state.snapshot()

    def requests(self, method: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
        """The request log, optionally only entries with this method and path (prefix)."""
        return [
            entry
            for entry in self.state()["requests"]
            if (method is None or entry["method"] == method) and (path is None or entry["path"].startswith(path))
        ]

    def contacts_with_email(self, email: str) -> list[dict[str, Any]]:
        with self.app.state.lock:
            return [
                contacts.resource(contact)
                for contact in self.app.state.contacts.values()
                if str(contact["fields"].get("email") or "").casefold() == email.casefold()
            ]

    def reset(self) -> None:
        self.app.reset()

    # --- preference webhooks -------------------------------------------------------------------------

    def send_webhooks_to(self, webhooks: PreferenceWebhooks) -> None:
        """Deliver preference webhooks to this endpoint (the bridge's ``POST /engage/webhook``)."""
        self.webhooks = webhooks

    def change_preference(self, contact_id: str, accepts_email: bool) -> Delivery | None:
        """The person changes their e-mail preference in Engage (an unsubscribe link, the UI): the contact is
        updated and, with webhooks on, ``contact.acceptsEmail.changed`` is delivered. None without webhooks."""
        with self.app.state.lock:
            contact = self.app.state.contacts[contact_id]
            preferences = contact["fields"].get("preferences")
            contact["fields"]["preferences"] = {**(preferences or {}), "acceptsEmail": accepts_email}
            contact["meta"]["updatedOn"] = now_iso()  # the change is in GET /api/v3/contacts/changes too
        if self.webhooks is None:
            return None
        return self.webhooks.deliver(contact_id, "contact.acceptsEmail.changed", {"acceptsEmail": accepts_email})
