"""The sandbox's behaviour for one request, independent of the HTTP server that carries it.

Order of checks: API key (401), ``Content-Type`` (500, Voyado API authentication), per-key rate limit
(429 above the configured rate), faults, then the route. Requests under ``/_sandbox/`` are inspection and
control: no key, never rate-limited, faulted or logged.
"""

import json
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from engage_bridge_tools.sandbox import contacts, inventory, promotions, routes
from engage_bridge_tools.sandbox.faults import BEFORE_EFFECT, Fault, FaultInjector, FaultPlan, ScriptedFault
from engage_bridge_tools.sandbox.protocol import Reply, Request, error
from engage_bridge_tools.sandbox.state import SandboxState, Tenant

CONTROL_PREFIX = "/_sandbox/"
# Voyado documents 429 above 200 requests/s per API key (API rate limit).
DEFAULT_RATE_LIMIT = 200.0


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
    ) -> None:
        self.api_key = api_key
        self.rate_limit = rate_limit
        self._initial_tenant = tenant or Tenant()
        self.state = SandboxState(tenant=_copy_tenant(self._initial_tenant), seed=seed)
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
            return Outcome(self._control(method, path, raw_body))
        fault: Fault | None = None
        reply = self._gate(headers)
        if reply is None:
            fault = self.faults.decide(method, path)
            if fault is not None and fault.kind in BEFORE_EFFECT:
                reply = _fault_reply(fault)
            elif fault is not None and fault.kind == "slow":
                self.stopping.wait(fault.seconds)
        with self.state.lock:
            if reply is None:
                reply = self._route(method, path, query, raw_body)
            self._log(
                method=method, path=path, query=url.query, headers=headers, raw_body=raw_body, reply=reply, fault=fault
            )
        after = fault if fault is not None and fault.kind.endswith("_after_effect") else None
        return Outcome(reply, after)

    def _gate(self, headers: Mapping[str, str]) -> Reply | None:
        key = headers.get("apikey") or headers.get("x-api-key")
        if key != self.api_key:
            return error(401, "Unauthorized", "Missing or invalid API key.")
        if not headers.get("content-type", "").lower().startswith("application/json"):
            return Reply(500, {"message": "An error has occurred."})
        if self.rate_limit is not None and not self._within_rate():
            return Reply(429, {"message": "Too many requests."}, {"Retry-After": "1"})
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

    def _route(self, method: str, path: str, query: Mapping[str, str], raw_body: bytes) -> Reply:
        resolved = routes.resolve(method, path)
        if resolved is None:
            if routes.path_exists(path):
                return error(405, "MethodNotAllowed", f"{method} is not supported here.")
            return error(404, "NotFound", "No such endpoint.")
        handler, params = resolved
        try:
            body = json.loads(raw_body) if raw_body.strip() else None
        except ValueError:
            return error(400, "InvalidJson", "The body is not valid JSON.")
        return handler(self.state, Request(method, path, query, body, params))

    def _log(
        self,
        *,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        raw_body: bytes,
        reply: Reply,
        fault: Fault | None,
    ) -> None:
        self._sequence += 1
        try:
            body = json.loads(raw_body) if raw_body.strip() else None
        except ValueError:
            body = raw_body.decode("utf-8", "replace")
        self.state.requests.append(
            {
                "seq": self._sequence,
                "method": method,
                "path": path,
                "query": query,
                "status": reply.status,
                "fault": fault.kind if fault else None,
                "user_agent": headers.get("user-agent"),
                "content_type": headers.get("content-type"),
                "api_key_valid": (headers.get("apikey") or headers.get("x-api-key")) == self.api_key,
                "body": body,
                "at": time.monotonic(),
            }
        )

    # --- control -------------------------------------------------------------------------------------

    def reset(self) -> None:
        self.state.reset(_copy_tenant(self._initial_tenant))
        self.faults.clear()
        with self._window_lock:
            self._window.clear()

    def seed(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Tenant settings, contacts, promotions, stock levels, back-in-stock subscriptions: ``POST /_sandbox/seed``.

        Subscriptions come after contacts, so they may name a contact seeded in the same call by e-mail. A bad
        subscription raises ``inventory.SeedError`` (400 over HTTP); the entries before it stay applied.
        """
        created: dict[str, Any] = {"contacts": [], "promotions": [], "back_in_stock_subscriptions": []}
        with self.state.lock:
            tenant = self.state.tenant
            for name in ("contact_types", "order_statuses", "payment_statuses"):
                if name in data:
                    setattr(tenant, name, list(data[name]))
            for item in data.get("contacts", []):
                fields = {key: value for key, value in item.items() if key != "contactType"}
                contact_type = item.get("contactType") or "Member"
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


def _fault_reply(fault: Fault) -> Reply:
    headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
    if fault.kind == "rate_limit":
        return Reply(429, {"message": "Too many requests."}, headers)
    return Reply(fault.status, {"errorCode": "InjectedFault", "message": "An error has occurred."}, headers)


def _copy_tenant(tenant: Tenant) -> Tenant:
    return Tenant(list(tenant.contact_types), list(tenant.order_statuses), list(tenant.payment_statuses))
