"""The Centra fake: shop + events + auth + optional rate limit and webhooks, behind one lock.

Use it in-process (``CentraFake.from_file(...)``, then :meth:`CentraFake.execute` or the shop actions)
or serve it over HTTP with :mod:`engage_bridge_tools.centra_fake.server`.

``repeat_share`` (opt-in, seeded by ``repeat_seed``) makes a share of shop changes reach the integration twice:
their events are queued again and their webhook is sent again, as Centra's at-least-once delivery may.
"""

import json
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from engage_bridge_tools.centra_fake import shop_actions
from engage_bridge_tools.centra_fake.events import EventHub, QueuedEvent
from engage_bridge_tools.centra_fake.graphql_api import RequestContext, execute
from engage_bridge_tools.centra_fake.rate_limit import RateLimit, RequestCounter
from engage_bridge_tools.centra_fake.shop import Entry, Shop, load_shop, parse_shop
from engage_bridge_tools.centra_fake.webhooks import (
    Transport,
    WebhookDelivery,
    WebhookSender,
    WebhookTarget,
    webhook_event,
)

DEFAULT_TOKEN = "centra-fake-token"  # noqa: S105 - a well-known test token, not a secret
DEFAULT_INTEGRATION = "engage-bridge"
SAMPLE_SHOP = Path(__file__).resolve().parent.parent / "data" / "sample-shop.json"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)


def _error_body(message: str, category: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"category": category}}]}


class CentraFake:
    def __init__(
        self,
        shop: Shop,
        *,
        tokens: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
        rate_limit: RateLimit | None = None,
        webhook: WebhookTarget | None = None,
        webhook_transport: Transport | None = None,
        repeat_share: float = 0.0,
        repeat_seed: int = 0,
        without: frozenset[str] = frozenset(),
    ) -> None:
        """``tokens`` maps access token -> integration name; tokens sharing a name share one event queue.

        ``without`` removes ``Type.field`` members from the served schema, to play a tenant whose schema lacks them.
        """
        self.shop = shop
        self.without = frozenset(without)
        # The witness: every document the fake refused, by operation name, with GraphQL's messages.
        self.refused: list[tuple[str, tuple[str, ...]]] = []
        self.tokens = dict(tokens) if tokens is not None else {DEFAULT_TOKEN: DEFAULT_INTEGRATION}
        self._clock = clock or (lambda: datetime.now(UTC))
        self.hub = EventHub(self._clock)
        self._counter = RequestCounter(rate_limit, self._seconds) if rate_limit else None
        self.webhooks = WebhookSender(webhook, self._seconds, webhook_transport) if webhook else None
        self.lock = threading.RLock()
        self.repeat_share = repeat_share
        self._repeats = random.Random(repeat_seed)  # noqa: S311 - reproducible chaos, not security
        self.repeated_changes = 0  # shop changes sent twice
        self.customer_updates: list[Entry] = []  # every updateCustomer the fake applied, in order

    @classmethod
    def from_file(cls, path: Path = SAMPLE_SHOP, **options: Any) -> Self:
        return cls(load_shop(path), **options)

    @classmethod
    def from_document(cls, document: Any, **options: Any) -> Self:
        return cls(parse_shop(document), **options)

    def _seconds(self) -> float:
        return self._clock().timestamp()

    def send_webhooks_to(self, target: WebhookTarget, transport: Transport | None = None) -> None:
        """Aim webhooks at an endpoint known only once the fake runs (the local runtime's HTTP API)."""
        with self.lock:
            self.webhooks = WebhookSender(target, self._seconds, transport)

    # -- GraphQL -------------------------------------------------------------------------------------------

    def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        integration_name: str = DEFAULT_INTEGRATION,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        """Run a query as the given integration, skipping HTTP and auth; returns the response JSON."""
        with self.lock:
            context = RequestContext(self.shop, self.hub, integration_name, self.customer_updates)
            result = execute(context, query, variables, operation_name, self.without)
            if result.errors:
                self.refused.append((operation_name or "<anonymous>", tuple(e.message for e in result.errors)))
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        body["extensions"] = {"complexity": 0, "permissionsUsed": []}
        return body

    def handle_graphql(self, authorization: str | None, cookie: str | None, raw_body: bytes) -> HttpResponse:
        """``POST /graphql`` as Centra answers it: auth, rate limit, then the query."""
        token = _token_from(authorization, cookie)
        integration_name = self.tokens.get(token) if token else None
        if integration_name is None:
            return HttpResponse(401, _error_body("Invalid or expired access token", "authorization"))
        if self._counter is not None:
            with self.lock:
                resume_at = self._counter.check(token or "")
            if resume_at is not None:
                body = _error_body("Rate limit exceeded", "rateLimit")
                return HttpResponse(429, body, {"Retry-After": str(resume_at)})
        try:
            request = json.loads(raw_body)
            query = request["query"]
            variables = request.get("variables")
            if not isinstance(query, str) or not isinstance(variables, dict | None):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            body = _error_body("Expected a JSON body with 'query' and optional 'variables'", "request")
            return HttpResponse(400, body)
        return HttpResponse(
            200,
            self.execute(
                query,
                variables,
                integration_name=integration_name,
                operation_name=request.get("operationName"),
            ),
        )

    # -- shop actions (each emits Centra's events, then webhooks) ------------------------------------------

    def _apply(
        self, action: Callable[..., tuple[Entry, list[shop_actions.Change]]], *args: Any, **kwargs: Any
    ) -> Entry:
        with self.lock:
            now = self._clock()
            entry, changes = action(self.shop, now, *args, **kwargs)
            repeat = bool(self.repeat_share) and self._repeats.random() < self.repeat_share
            self.repeated_changes += repeat
            for _ in range(2 if repeat else 1):
                self._announce(changes, now)
            return entry

    def _announce(self, changes: list[shop_actions.Change], now: datetime) -> None:
        webhook_events = []
        for change in changes:
            self.hub.emit(
                change.object_type,
                change.change_type,
                change.reference,
                store_id=change.store_id,
                market_id=change.market_id,
            )
            as_webhook = webhook_event(change.object_type, change.change_type, change.reference, now)
            if as_webhook is not None:
                webhook_events.append(as_webhook)
        if self.webhooks is not None and webhook_events:
            self.webhooks.send(webhook_events)

    def create_shipment(
        self, order_number: int, lines: Mapping[int, int] | None = None, tracking_number: str | None = None
    ) -> Entry:
        return self._apply(shop_actions.create_shipment, order_number, lines, tracking_number)

    def complete_shipment(self, shipment_id: int | None = None, *, shipment_number: str | None = None) -> Entry:
        return self._apply(shop_actions.complete_shipment, shipment_id, shipment_number=shipment_number)

    def ship_order(
        self, order_number: int, lines: Mapping[int, int] | None = None, tracking_number: str | None = None
    ) -> Entry:
        """Create a shipment and complete it at once (two rounds of events, as in Centra)."""
        with self.lock:
            shipment = self.create_shipment(order_number, lines, tracking_number)
            return self.complete_shipment(shipment["id"])

    def register_return(
        self,
        shipment_id: int | None = None,
        lines: Mapping[int, int] | None = None,
        handling_fee: float = 0.0,
        comment: str | None = None,
        *,
        shipment_number: str | None = None,
        order_lines: Mapping[int, int] | None = None,
    ) -> Entry:
        return self._apply(
            shop_actions.register_return,
            shipment_id,
            lines,
            handling_fee=handling_fee,
            comment=comment,
            shipment_number=shipment_number,
            order_lines=order_lines,
        )

    def complete_return(self, return_id: int | None = None, *, order_number: int | None = None) -> Entry:
        return self._apply(shop_actions.complete_return, return_id, order_number=order_number)

    def cancel_order(self, order_number: int) -> Entry:
        return self._apply(shop_actions.cancel_order, order_number)

    def update_customer(self, customer_id: int, changes: Mapping[str, Any]) -> Entry:
        return self._apply(shop_actions.update_customer, customer_id, changes)

    def anonymize_customer(self, customer_id: int) -> Entry:
        return self._apply(shop_actions.anonymize_customer, customer_id)

    def add_newsletter_subscription(
        self,
        email: str,
        *,
        country_code: str | None = None,
        market_id: int | None = None,
        store_id: int | None = None,
        customer_id: int | None = None,
    ) -> Entry:
        return self._apply(
            shop_actions.add_newsletter_subscription,
            email,
            country_code=country_code,
            market_id=market_id,
            store_id=store_id,
            customer_id=customer_id,
        )

    def set_stock(self, sku: str, warehouse_id: int, free_to_allocate: int) -> Entry:
        return self._apply(shop_actions.set_stock, sku, warehouse_id, free_to_allocate)

    def add_order(self, order: Entry) -> Entry:
        return self._apply(shop_actions.add_order, order)

    # -- inspection for tests ------------------------------------------------------------------------------

    def pending_events(self, integration_name: str = DEFAULT_INTEGRATION) -> list[QueuedEvent]:
        with self.lock:
            return self.hub.pending(integration_name)

    def webhook_deliveries(self) -> list[WebhookDelivery]:
        with self.lock:
            return list(self.webhooks.deliveries) if self.webhooks else []

    def snapshot(self) -> dict[str, Any]:
        """The current shop in shop-file shape (a copy)."""
        with self.lock:
            return self.shop.to_document()


def _token_from(authorization: str | None, cookie: str | None) -> str | None:
    if authorization:
        scheme, _, token = authorization.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    for part in (cookie or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == "graphql-access" and value:
            return value
    return None
