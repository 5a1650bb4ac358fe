"""The sandbox's behaviour for one request, independent of the HTTP server that carries it.

Order of checks: API key in the ``apikey`` header (401), ``Content-Type`` (500, Voyado API authentication),
per-key rate limit (429 above the configured rate, no ``Retry-After``: Voyado documents none), faults, then the
contract (``contract/engage/openapi.yaml``: unknown path 404, method 405, query or body outside the schema
400/422) and the operation's handler. Before each request the sandbox's clock ticks: receipts due are imported
and contacts being created elsewhere are stored. Requests under ``/_sandbox/`` are inspection and control: no
key, never rate-limited, faulted or logged.
"""

import json
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from engage_bridge_tools.sandbox import contacts, inventory, promotions, routes, transactions
from engage_bridge_tools.sandbox.contract import Contract, Operation, load
from engage_bridge_tools.sandbox.faults import BEFORE_EFFECT, Fault, FaultInjector, FaultPlan, ScriptedFault
from engage_bridge_tools.sandbox.protocol import Reply, Request, error
from engage_bridge_tools.sandbox.state import EXISTING_KEY_ANSWERS, SandboxState, Tenant

CONTROL_PREFIX = "/_sandbox/"
# Voyado documents 429 above 200 requests/s per API key (API rate limit).
DEFAULT_RATE_LIMIT = 200.0
_TENANT_SETTINGS = (
    "contact_types",
    "order_statuses",
    "payment_statuses",
    "default_contact_type",
    "contact_keys",
    "existing_key_answer",
    "receipt_import_seconds",
    "create_seconds",
    "consents",
)


@dataclass(frozen=True, slots=True)
class _Arrival:
    """What the request log keeps of a request, taken when it arrives."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    raw_body: bytes
    at: float


@dataclass(frozen=True, slots=True)
class Outcome:
    reply: Reply
    after_effect: Fault | None = None  # timeout_after_effect / drop_after_effect: the server holds or drops it


class SandboxApp:
    def __init__(
        self,
        *,
        api_key: str,
        tenant: Tenant | None = None,
        rate_limit: float | None = DEFAULT_RATE_LIMIT,
        faults: FaultPlan | None = None,
        seed: int = 0,
        contract: Contract | None = None,
    ) -> None:
        self.api_key = api_key
        self.rate_limit = rate_limit
        self.contract = contract or load()
        routes.check(self.contract)
        self._initial_tenant = (tenant or Tenant()).copy()
        self.state = SandboxState(tenant=self._initial_tenant.copy(), seed=seed)
        self.faults = FaultInjector(faults or FaultPlan())
        self.stopping = threading.Event()
        self._window: deque[float] = deque()
        self._window_lock = threading.Lock()
        self._sequence = 0

    # --- Engage requests -----------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], raw_body: bytes) -> Outcome:
        url = urlsplit(target)
        path = unquote(url.path)
        query = {name: values[0] for name, values in parse_qs(url.query, keep_blank_values=True).items()}
        if path.startswith(CONTROL_PREFIX):
            self.tick()
            return Outcome(self._control(method, path, raw_body))
        # Stamped before any fault's wait: a slow answer is slow after Engage counted the request, as its rate
        # limit (checked in _gate, at arrival) does.
        arrival = _Arrival(method, path, url.query, headers, raw_body, time.monotonic())
        resolved = self.contract.resolve(method, path)
        creates = resolved is not None and resolved[0].operation_id == routes.CREATE_CONTACT
        fault: Fault | None = None
        reply = self._gate(headers)
        if reply is None:
            fault = self.faults.decide(method, path, creates_contact=creates)
            if fault is not None and fault.kind in BEFORE_EFFECT:
                reply = _fault_reply(fault)
            elif fault is not None and fault.kind == "slow":
                self.stopping.wait(fault.seconds)
            elif fault is not None and fault.kind == "create_timeout" and not creates:
                self.stopping.wait(fault.seconds)
                reply = error(504, "RequestTimeOut", "The request timed out.")
        with self.state.lock:
            self._tick(time.monotonic())
            answer = reply if reply is not None else self._route(method, path, query, raw_body, resolved)
            if not isinstance(answer, contacts.PendingCreate):
                self._log(arrival, answer, fault)
        if isinstance(answer, contacts.PendingCreate):
            answer = self._create_contact(answer, fault, arrival)
        after = fault if fault is not None and fault.kind.endswith("_after_effect") else None
        return Outcome(answer, after)

    def _create_contact(self, pending: contacts.PendingCreate, fault: Fault | None, arrival: _Arrival) -> Reply:
        """The key is held "being created" while the create runs; Engage's own 504 rolls it back."""
        timed_out = fault is not None and fault.kind == "create_timeout"
        hold = fault.seconds if fault is not None and timed_out else self.state.tenant.create_seconds
        if hold > 0:
            self.stopping.wait(hold)
        with self.state.lock:
            if timed_out:
                reply = contacts.abandon_create(self.state, pending)
            else:
                reply = contacts.finish_create(self.state, pending)
            self._log(arrival, reply, fault)
        return reply

    def _gate(self, headers: Mapping[str, str]) -> Reply | None:
        if headers.get("apikey") != self.api_key:
            return error(401, "Unauthorized", "Missing or invalid API key.")
        if not headers.get("content-type", "").lower().startswith("application/json"):
            return Reply(500, {"message": "An error has occurred."})
        if self.rate_limit is not None and not self._within_rate():
            return Reply(429, {"message": "Too many requests."})
        return None

    def _within_rate(self) -> bool:
        """Sliding one-second window per API key (the sandbox has one key)."""
        now = time.monotonic()
        with self._window_lock:
            while self._window and now - self._window[0] >= 1.0:
                self._window.popleft()
            if self.rate_limit is not None and len(self._window) >= self.rate_limit:
                return False
            self._window.append(now)
            return True

    def _route(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        raw_body: bytes,
        resolved: tuple[Operation, dict[str, str]] | None,
    ) -> Reply | contacts.PendingCreate:
        if resolved is None:
            if self.contract.path_exists(path):
                return error(405, "MethodNotAllowed", f"{method} is not supported here.")
            return error(404, "NotFound", "No such endpoint.")
        operation, params = resolved
        try:
            body = json.loads(raw_body) if raw_body.strip() else None
        except ValueError:
            return error(400, "InvalidJson", "The body is not valid JSON.")
        problems = self.contract.query_issues(operation, query)
        if operation.body_pointer is not None:
            problems += self.contract.body_issues(operation, body)
        if problems:
            return routes.rejected(operation, problems)
        request = Request(method, path, query, body, params)
        if operation.operation_id == routes.CREATE_CONTACT:
            return contacts.begin_create(self.state, request)
        return routes.HANDLERS[operation.operation_id](self.state, request)

    def _log(self, arrival: _Arrival, reply: Reply, fault: Fault | None) -> None:
        self._sequence += 1
        try:
            body = json.loads(arrival.raw_body) if arrival.raw_body.strip() else None
        except ValueError:
            body = arrival.raw_body.decode("utf-8", "replace")
        self.state.requests.append(
            {
                "seq": self._sequence,
                "method": arrival.method,
                "path": arrival.path,
                "query": arrival.query,
                "status": reply.status,
                "fault": fault.kind if fault else None,
                "user_agent": arrival.headers.get("user-agent"),
                "content_type": arrival.headers.get("content-type"),
                "api_key_valid": arrival.headers.get("apikey") == self.api_key,
                "body": body,
                "at": arrival.at,
            }
        )

    # --- the sandbox's clock -------------------------------------------------------------------------

    def tick(self) -> None:
        with self.state.lock:
            self._tick(time.monotonic())

    def _tick(self, now: float) -> None:
        contacts.settle(self.state, now)
        transactions.import_receipts(self.state, now, every=self.state.tenant.receipt_import_seconds)

    def import_receipts(self) -> int:
        """Import every queued receipt now, whatever the interval; how many were taken from the queue."""
        with self.state.lock:
            return transactions.import_receipts(self.state, time.monotonic(), every=0.0, force=True)

    def create_elsewhere(self, contact_type: str, seconds: float, fields: Mapping[str, Any]) -> None:
        """The brand's own site starts creating this contact; it exists ``seconds`` from now."""
        with self.state.lock:
            contacts.create_elsewhere(self.state, contact_type, dict(fields), time.monotonic() + seconds)

    # --- control -------------------------------------------------------------------------------------

    def reset(self) -> None:
        self.state.reset(self._initial_tenant.copy())
        self.faults.clear()
        with self._window_lock:
            self._window.clear()

    def seed(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Tenant settings, contacts, promotions, stock levels, back-in-stock subscriptions: ``POST /_sandbox/seed``.

        Subscriptions come after contacts, so they may name a contact seeded in the same call by e-mail. A bad
        subscription or tenant setting raises ``inventory.SeedError`` (400 over HTTP); the entries before it stay
        applied.
        """
        created: dict[str, Any] = {"contacts": [], "promotions": [], "back_in_stock_subscriptions": []}
        with self.state.lock:
            tenant = self.state.tenant
            for name in _TENANT_SETTINGS:
                if name in data:
                    setattr(tenant, name, _setting(name, data[name]))
            for item in data.get("contacts", []):
                fields = {key: value for key, value in item.items() if key != "contactType"}
                contact_type = item.get("contactType") or tenant.default_contact_type
                contact = contacts.add_contact(self.state, fields, contact_type, "sandbox", None)
                created["contacts"].append(contact["id"])
            for item in data.get("promotions", []):
                assignment = promotions.add_promotion(
                    self.state,
                    item.get("id"),
                    contact_id=item.get("contactId"),
                    promotion_id=item.get("promotionId"),
                    channels=tuple(item.get("redemptionChannels", promotions.CHANNELS)),
                    expired=bool(item.get("expired", False)),
                    redeemed=bool(item.get("redeemed", False)),
                )
                created["promotions"].append(assignment["id"])
            for level in data.get("stock_levels", []):
                inventory.set_level(self.state, level)
            for index, item in enumerate(data.get("back_in_stock_subscriptions", [])):
                subscription = inventory.seed_subscription(self.state, index, item)
                created["back_in_stock_subscriptions"].append(subscription["id"])
        return created

    def _control(self, method: str, path: str, raw_body: bytes) -> Reply:  # noqa: PLR0911 - one per endpoint
        try:
            body = json.loads(raw_body) if raw_body.strip() else {}
        except ValueError:
            return error(400, "InvalidJson", "The body is not valid JSON.")
        name = path.removeprefix(CONTROL_PREFIX).strip("/")
        if name == "state" and method == "GET":
            return Reply(200, self.state.snapshot())
        if name == "integration-log" and method == "GET":
            with self.state.lock:
                return Reply(200, list(self.state.integration_log))
        if name == "receipts/import" and method == "POST":
            return Reply(200, {"imported": self.import_receipts()})
        if name == "create-elsewhere" and method == "POST" and isinstance(body, dict):
            fields = {key: value for key, value in body.items() if key not in ("contactType", "seconds")}
            contact_type = str(body.get("contactType") or self.state.tenant.default_contact_type)
            self.create_elsewhere(contact_type, float(body.get("seconds", 0)), fields)
            return Reply(204)
        if name == "reset" and method == "POST":
            self.reset()
            return Reply(204)
        if name == "seed" and method == "POST" and isinstance(body, dict):
            try:
                return Reply(200, self.seed(body))
            except inventory.SeedError as problem:
                return error(400, "InvalidSeed", str(problem))
        if name == "faults" and method == "GET":
            return Reply(200, self.faults.describe())
        if name == "faults" and method in ("PUT", "POST") and isinstance(body, dict):
            if "plan" in body:
                self.faults.configure(FaultPlan.from_json(body["plan"]))
            for item in body.get("script", []):
                self.faults.script(ScriptedFault.from_json(item))
            return Reply(200, self.faults.describe())
        return error(404, "NotFound", "Unknown sandbox control endpoint.")


def _setting(name: str, value: Any) -> Any:
    if name in ("contact_types", "order_statuses", "payment_statuses", "consents"):
        return list(value)
    if name == "contact_keys":
        return dict(value)
    if name in ("receipt_import_seconds", "create_seconds"):
        return float(value)
    if name == "existing_key_answer" and value not in EXISTING_KEY_ANSWERS:
        raise inventory.SeedError(f"existing_key_answer: one of {', '.join(EXISTING_KEY_ANSWERS)}")
    return str(value)


def _fault_reply(fault: Fault) -> Reply:
    headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
    if fault.kind == "rate_limit":
        return Reply(429, {"message": "Too many requests."}, headers)
    if fault.code is not None:
        return Reply(fault.status, error(fault.status, fault.code, "An error has occurred.").body, headers)
    return Reply(fault.status, {"errorCode": "InjectedFault", "message": "An error has occurred."}, headers)
