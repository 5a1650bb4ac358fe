"""The Centra Integration API client: GraphQL over one ``httpx.Client``, answers parsed into the Centra models.

Every call goes through :meth:`CentraClient._execute`: the bearer token (a string or a provider such as
``StoredCentraToken``), a timeout that never outlasts the Lambda invocation, a few quick retries with full
jitter for what is retryable (429 honouring Centra's ``Retry-After`` timestamp, 5xx, timeouts, connection
failures), then a typed ``outcomes`` error. Callers never see an httpx exception. Each attempt is logged by
GraphQL operation name, status, latency and attempt number; never the token, variables or e-mail addresses.

All operations are reads or idempotent mutations (``setEventListeners`` is additive, ``confirmEvents`` of an
already confirmed id only warns), so every retryable failure may be resent.
"""

import functools
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import httpx
from aws_lambda_powertools import Logger
from msgspec.structs import replace
from pydantic import ValidationError

from engage_bridge import __version__
from engage_bridge.centra import queries
from engage_bridge.centra.outcomes import (
    CentraError,
    CentraGraphQLError,
    CentraIssue,
    CentraRetryableError,
    CentraUnauthorized,
    CentraUnexpectedResponse,
    CentraUserError,
    parse_retry_after,
    scrubbed,
)
from engage_bridge.centra.together import OBJECTS_PER_REQUEST, ORDER_KINDS, CentraRef, ObjectAnswer, parsed_as
from engage_bridge.centra.token import StoredCentraToken
from engage_bridge.engage.retry import Deadline, RetryPolicy
from engage_bridge.errors import ConfigError

if TYPE_CHECKING:  # imported where an answer is parsed: the events poller and the product feed read no orders
    from engage_bridge.centra.customer import Customer, NewsletterSubscription
    from engage_bridge.centra.display import Display
    from engage_bridge.centra.events import ConfirmResult, EventListener, EventPage
    from engage_bridge.centra.order import Order
    from engage_bridge.centra.stock import SkuStock

# httpx logs every request line at INFO; keep it quiet like the Engage client does.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

_default_logger = Logger(child=True)

Token = str | Callable[[], str]

MAX_LIMIT = 200  # Centra: "Limit must be in range 1 - 200"
# A StockChange's lines default to 20 a page (CD:stockchange); they are read this many a page, every page.
STOCK_LINES_PER_PAGE = 100
# Stock rows per product size: one per warehouse, of the configured markets' warehouses when they are configured.
STOCK_ROWS_PER_SIZE = 50
# A lookup by e-mail or SKU that needs more pages than this is not a lookup; stop rather than loop.
_MAX_PAGES = 50
_REQUEST_RESERVE_S = 0.5
_MIN_USEFUL_TIMEOUT_S = 0.05
_AUTH_CATEGORY = "authorization"
_RATE_LIMIT_CATEGORIES = frozenset({"rateLimit", "rate_limit", "ratelimit"})


class CentraClient:
    """Typed operations on Centra's Integration API for the router, poller, backfill and reconciliation.

    ``token`` is the access token or a callable returning it (called before each attempt; the provider caches).
    ``retry`` bounds the in-process retries; ``remaining_time_ms`` (``context.get_remaining_time_in_millis``)
    keeps sleeps and timeouts inside the invocation. ``sleep`` and ``clock`` (Unix seconds, used to turn
    Centra's ``Retry-After`` timestamp into a wait) are injectable for tests.
    """

    def __init__(
        self,
        graphql_url: str,
        token: Token,
        *,
        timeout: float = 10.0,
        connect_timeout: float = 3.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        remaining_time_ms: Callable[[], int] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        logger: Logger | None = None,
        user_agent: str = "",
    ) -> None:
        url = httpx.URL(graphql_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ConfigError("centra.graphql_url", "must be an http(s) URL")
        self.graphql_url = str(url)
        self._token = token
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._logger = logger or _default_logger
        self._deadline = Deadline(remaining_time_ms)
        self._transport = transport
        self._user_agent = f"centra-engage-bridge/{__version__} {user_agent}".strip()

    @functools.cached_property
    def _http(self) -> httpx.Client:
        """Created on the first request, not at cold start: its TLS context loads the CA bundle."""
        return httpx.Client(
            transport=self._transport,
            headers={
                "User-Agent": self._user_agent,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            limits=httpx.Limits(max_connections=10, max_keepalive_connections=10),
            follow_redirects=False,
        )

    @classmethod
    def from_secret(cls, graphql_url: str, secret_name: str, *, max_age: int = 300, **kwargs: Any) -> Self:
        """A client whose token is read from Secrets Manager (cached ``max_age`` seconds by Powertools)."""
        return cls(graphql_url, StoredCentraToken(secret_name, max_age=max_age), **kwargs)

    # --- lifecycle -------------------------------------------------------------------------------------

    def set_deadline(self, remaining_time_ms: Callable[[], int] | None) -> None:
        """Bind the current invocation's remaining time; sleeps and timeouts never outlast it."""
        self._deadline = Deadline(remaining_time_ms)

    def close(self) -> None:
        if "_http" in self.__dict__:  # never created: nothing to close
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # --- orders ----------------------------------------------------------------------------------------

    def order(self, number: int) -> "Order | None":
        """The order with this number, with lines, shipments, returns and customer; None when there is none."""
        found = _list(self._execute("Order", queries.ORDER, {"number": number}).get("orders"), "Order")
        return self._orders_with_shipments(found[:1])[0] if found else None

    def shipment_order(self, shipment_id: int) -> "Order | None":
        """The order a shipment belongs to; None for an unknown shipment."""
        found = _list(
            self._execute("ShipmentOrder", queries.SHIPMENT_ORDER, {"id": shipment_id}).get("shipments"),
            "ShipmentOrder",
        )
        return self._order_of(found, "ShipmentOrder")

    def return_order(self, return_id: int) -> "Order | None":
        """The order a return belongs to; None for an unknown return."""
        found = _list(
            self._execute("ReturnOrder", queries.RETURN_ORDER, {"id": return_id}).get("returns"), "ReturnOrder"
        )
        return self._order_of(found, "ReturnOrder")

    def orders_created_between(
        self, from_: datetime, to: datetime, *, page: int = 1, limit: int = 100
    ) -> "list[Order]":
        """One page of orders created in ``[from_, to]``, by order date. A short page is the last one."""
        variables = {"from": _timestamp(from_), "to": _timestamp(to), "limit": _limit(limit), "page": _page(page)}
        found = self._execute("OrdersCreatedBetween", queries.ORDERS_CREATED_BETWEEN, variables).get("orders")
        return self._orders_with_shipments(_list(found, "OrdersCreatedBetween"))

    def orders_updated_between(
        self, from_: datetime, to: datetime, *, page: int = 1, limit: int = 100
    ) -> "list[Order]":
        """One page of orders updated in ``[from_, to]`` (a shipment or return changes its order), by order date."""
        variables = {"from": _timestamp(from_), "to": _timestamp(to), "limit": _limit(limit), "page": _page(page)}
        found = self._execute("OrdersUpdatedBetween", queries.ORDERS_UPDATED_BETWEEN, variables).get("orders")
        return self._orders_with_shipments(_list(found, "OrdersUpdatedBetween"))

    def _order_of(self, found: list[dict[str, Any]], operation: str) -> "Order | None":
        """The order a shipment or a return links to, read with it, then its shipments (``OrderShipments``)."""
        if not found:
            return None
        order = found[0].get("order")
        if not isinstance(order, dict) or not isinstance(order.get("number"), int):
            raise CentraUnexpectedResponse(operation, 200, "no order")
        return self._orders_with_shipments([order])[0]

    def _orders_with_shipments(self, found: list[dict[str, Any]]) -> "list[Order]":
        """Parse ``found`` with their shipments, read for all of them at once through ``ShipmentFilter.orderId``."""
        from engage_bridge.centra.order import Order  # noqa: PLC0415 - see TYPE_CHECKING above

        return [parsed_as(item, "order", Order) for item in self._with_shipments(found)]

    def _with_shipments(self, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each order document of ``found`` with its ``shipments``, read for all of them at once."""
        ids = list(dict.fromkeys(item["id"] for item in found if isinstance(item.get("id"), str)))
        shipments: dict[str, list[dict[str, Any]]] = {}
        if ids:
            variables = {"orderIds": ids}
            for shipment in self._pages("OrderShipments", queries.ORDER_SHIPMENTS, "shipments", variables):
                owner = shipment.get("order")
                if isinstance(owner, dict) and isinstance(owner.get("id"), str):
                    shipments.setdefault(owner["id"], []).append(shipment)
        return [{**item, "shipments": shipments.get(str(item.get("id")), [])} for item in found]

    # --- many objects at once (the router's invocation) ------------------------------------------------

    def read_together(self, refs: Iterable[CentraRef]) -> dict[CentraRef, ObjectAnswer]:
        """Read ``refs`` together: one request per ``OBJECTS_PER_REQUEST`` objects (``RouterObjects``), then one for
        the shipments of every order among them (``OrderShipments``).

        What could not be read together is left out of the answer, for its caller to read alone: an object whose
        part of the answer carried an error, every object of a request that failed, and every order if the
        shipments could not be read. A transport failure is retried here as any request's; nothing is raised.
        """
        wanted = list(dict.fromkeys(refs))
        documents: dict[CentraRef, ObjectAnswer] = {}
        for start in range(0, len(wanted), OBJECTS_PER_REQUEST):
            chunk = wanted[start : start + OBJECTS_PER_REQUEST]
            variables = {f"v{n}": ref.id for n, ref in enumerate(chunk)}
            try:
                data, refused = self._execute_answered(
                    "RouterObjects", queries.objects_query(tuple(ref.kind for ref in chunk)), variables
                )
            except CentraError:
                continue  # each of these objects is read alone, where a failure is its own
            for n, ref in enumerate(chunk):
                answer = _object_answer(data, refused, ref, n)
                if answer is not None:
                    documents[ref] = answer
        orders = [(ref, answer.found) for ref, answer in documents.items() if ref.kind in ORDER_KINDS and answer.found]
        if orders:
            try:
                with_shipments = self._with_shipments([found for _, found in orders])
            except CentraError:  # every order is read alone, with its shipments
                return {ref: answer for ref, answer in documents.items() if ref.kind not in ORDER_KINDS}
            for (ref, _), found in zip(orders, with_shipments, strict=True):
                documents[ref] = ObjectAnswer(found)
        return documents

    # --- customers and newsletter ----------------------------------------------------------------------

    def customer(self, customer_id: int) -> "Customer | None":
        from engage_bridge.centra.customer import Customer  # noqa: PLC0415

        found = _list(self._execute("Customer", queries.CUSTOMER, {"id": customer_id}).get("customers"), "Customer")
        return parsed_as(found[0], "customer", Customer) if found else None

    def customer_and_anonymised(self, customer_id: int) -> "tuple[Customer | None, bool]":
        """The customer, and whether Centra anonymised it (GDPR): ``CustomerFilter.isAnonymized`` finds it."""
        from engage_bridge.centra.customer import Customer  # noqa: PLC0415

        data = self._execute("CustomerAndAnonymised", queries.CUSTOMER_AND_ANONYMISED, {"id": customer_id})
        found = _list(data.get("customers"), "CustomerAndAnonymised")
        anonymised = bool(_list(data.get("anonymised"), "CustomerAndAnonymised"))
        return (parsed_as(found[0], "customer", Customer) if found else None), anonymised

    def customers_by_email(self, email: str) -> "list[Customer]":
        """Every customer with this e-mail (case-insensitive): a registered and a guest customer may share one."""
        from engage_bridge.centra.customer import Customer  # noqa: PLC0415

        return [
            parsed_as(item, "customer", Customer)
            for item in self._pages("CustomersByEmail", queries.CUSTOMERS_BY_EMAIL, "customers", {"email": email})
        ]

    def customers_updated_between(
        self, from_: datetime, to: datetime, *, page: int = 1, limit: int = 100
    ) -> "list[Customer]":
        """One page of customers updated in ``[from_, to]``: an update covers creation, so one filter reads both."""
        from engage_bridge.centra.customer import Customer  # noqa: PLC0415

        variables = {"from": _timestamp(from_), "to": _timestamp(to), "limit": _limit(limit), "page": _page(page)}
        found = self._execute("CustomersUpdatedBetween", queries.CUSTOMERS_UPDATED_BETWEEN, variables).get("customers")
        return [parsed_as(item, "customer", Customer) for item in _list(found, "CustomersUpdatedBetween")]

    def newsletter_subscription(self, subscription_id: int) -> "NewsletterSubscription | None":
        from engage_bridge.centra.customer import NewsletterSubscription  # noqa: PLC0415

        found = self._execute("NewsletterSubscription", queries.NEWSLETTER_SUBSCRIPTION, {"id": subscription_id})
        items = _list(found.get("newsletterSubscriptions"), "NewsletterSubscription")
        return parsed_as(items[0], "newsletter_subscription", NewsletterSubscription) if items else None

    def set_receive_newsletters(self, customer_id: int, receive_newsletters: bool) -> None:
        """Write a customer's newsletter flag (``CustomerUpdateInput.receiveNewsletters``); the mutation's name is
        assumed (``Mutation.updateCustomer`` in assumptions.graphql): the doctor confirms it before it is used."""
        variables = {"id": customer_id, "receiveNewsletters": receive_newsletters}
        self._mutation("UpdateCustomerNewsletter", queries.UPDATE_CUSTOMER_NEWSLETTER, variables, "updateCustomer")

    # --- events ----------------------------------------------------------------------------------------

    def set_event_listeners(
        self, object_types: Sequence[str], change_types: Sequence[str] | None = None
    ) -> tuple[str, ...]:
        """Listen to these object types (all change types unless given). Additive and idempotent in Centra.

        Returns the object types the payload lists (what it holds beyond those set is not documented: read
        ``event_listeners`` to see every listener of the integration name).
        """
        if not object_types:
            return ()
        listener: dict[str, Any] = {}
        if change_types is not None:
            listener["changeTypes"] = list(change_types)
        payload = [{"objectType": object_type, **listener} for object_type in dict.fromkeys(object_types)]
        result, _ = self._mutation(
            "SetEventListeners", queries.SET_EVENT_LISTENERS, {"input": payload}, "setEventListeners"
        )
        return tuple(sorted({str(entry["objectType"]) for entry in result.get("eventListeners") or []}))

    def event_listeners(self) -> "tuple[EventListener, ...]":
        """Every listener on the token's integration name (EVT: the documented way to list them)."""
        from engage_bridge.centra.events import EventListener  # noqa: PLC0415 - the poller's

        found = _list(
            self._execute("EventListeners", queries.EVENT_LISTENERS, {}).get("eventListeners"), "EventListeners"
        )
        return tuple(
            EventListener(str(item.get("integrationName") or ""), str(item.get("objectType") or "")) for item in found
        )

    def fetch_events(
        self,
        limit: int = MAX_LIMIT,
        object_types: Sequence[str] | None = None,
        warehouse_ids: Sequence[int] | None = None,
    ) -> "EventPage":
        """The oldest unconfirmed events (of these object types): ids, and a StockChange's stock per SKU.

        Unconfirmed events come back on every fetch: confirm what was handled (and what was skipped on purpose).
        An event that cannot be read is returned in ``unreadable`` and never fails the others. ``warehouse_ids``
        limits the stock read with StockChange events (None: every warehouse).
        """
        from engage_bridge.centra.events import (  # noqa: PLC0415 - the poller's
            CentraEvent,
            EventPage,
            UnreadableEvent,
            read_event,
        )

        types = list(dict.fromkeys(object_types)) if object_types else None
        variables: dict[str, Any] = {"limit": _limit(limit), "where": {"objectType": types} if types else None}
        found = _list(self._execute("Events", queries.EVENTS, variables).get("events"), "Events")
        events: list[CentraEvent] = []
        unreadable: list[UnreadableEvent] = []
        for raw in found:
            read = read_event(raw)
            if isinstance(read, CentraEvent):
                events.append(read)
            else:
                unreadable.append(read)
        stock_events = [event for event in events if event.object_type == "StockChange"]
        if stock_events:
            stock, problems = self._stock_change_stock(len(stock_events), warehouse_ids)
            for event in stock_events:
                if event.id not in stock and event.id not in problems:
                    problems[event.id] = "stock change not returned with its lines"
            events = [
                replace(event, stock=stock.get(event.id, ())) if event.object_type == "StockChange" else event
                for event in events
                if event.id not in problems
            ]
            unreadable += [UnreadableEvent(event_id, reason) for event_id, reason in sorted(problems.items())]
        for problem in unreadable:
            self._logger.warning("centra event unreadable", extra={"event_id": problem.id, "reason": problem.reason})
        return EventPage(events=tuple(events), unreadable=tuple(unreadable))

    def _stock_change_stock(
        self, events: int, warehouse_ids: Sequence[int] | None
    ) -> "tuple[dict[int, tuple[SkuStock, ...]], dict[int, str]]":
        """Each StockChange event's SKUs with their stock per warehouse, every page of lines; and the unreadable.

        The same unconfirmed StockChange events come back first on each read, so the pages line up by event id.
        """
        from engage_bridge.centra.events import stock_lines  # noqa: PLC0415 - the poller's

        lines: dict[int, list[SkuStock]] = {}
        problems: dict[int, str] = {}
        pending: set[int] | None = None
        for line_page in range(1, _MAX_PAGES + 1):
            variables = {
                "events": _limit(events),
                "lineLimit": STOCK_LINES_PER_PAGE,
                "linePage": line_page,
                "warehouseIds": list(warehouse_ids) if warehouse_ids is not None else None,
                "stockLimit": STOCK_ROWS_PER_SIZE,
            }
            found = _list(
                self._execute("StockChangeLines", queries.STOCK_CHANGE_LINES, variables).get("events"),
                "StockChangeLines",
            )
            full: set[int] = set()
            for raw in found:
                event_id = raw.get("id")
                if not isinstance(event_id, int) or (pending is not None and event_id not in pending):
                    continue
                page = stock_lines(raw.get("object"))
                if isinstance(page, str):
                    problems[event_id] = page
                    continue
                lines.setdefault(event_id, []).extend(page[0])
                if page[1] == STOCK_LINES_PER_PAGE:
                    full.add(event_id)
            pending = full - set(problems)
            if not pending:
                return {event_id: tuple(items) for event_id, items in lines.items()}, problems
        raise CentraUnexpectedResponse("StockChangeLines", 200, f"more than {_MAX_PAGES} pages of lines")

    def confirm_events(self, ids: Iterable[int]) -> "ConfirmResult":
        """Confirm (remove from the queue) these events, in batches of 200.

        Ids Centra did not know (already confirmed, another integration's) come back as ``warnings`` and in
        ``not_confirmed``; they are logged, never raised.
        """
        from engage_bridge.centra.events import ConfirmResult  # noqa: PLC0415 - the poller's

        requested = tuple(dict.fromkeys(ids))
        confirmed: list[int] = []
        warnings: list[CentraIssue] = []
        for start in range(0, len(requested), MAX_LIMIT):
            batch = list(requested[start : start + MAX_LIMIT])
            payload, batch_warnings = self._mutation(
                "ConfirmEvents", queries.CONFIRM_EVENTS, {"ids": batch}, "confirmEvents"
            )
            confirmed.extend(_confirmed_ids(payload))
            warnings.extend(batch_warnings)
        return ConfirmResult(confirmed=tuple(confirmed), requested=requested, warnings=tuple(warnings))

    # --- displays (the product feed) -------------------------------------------------------------------

    def displays_in_market(
        self, market_id: int, warehouse_ids: Sequence[int], *, image_size: str = "standard", page_size: int = 50
    ) -> "tuple[list[Display], list[int]]":
        """Every display of ``market_id`` with its sizes' stock in ``warehouse_ids``; and the ids of unreadable ones.

        Pages are smaller than ``MAX_LIMIT``: each display nests variants, sizes and stock rows, and Centra's query
        cost multiplies nested lists by their limits.
        """
        from engage_bridge.centra.display import Display  # noqa: PLC0415

        limit = _limit(page_size)
        variables = {
            "marketId": market_id,
            "warehouseIds": list(warehouse_ids),
            "stockLimit": max(len(warehouse_ids), 1),
            "imageSize": image_size,
            "limit": limit,
        }
        readable: list[Display] = []
        unreadable: list[int] = []
        for page in range(1, _MAX_PAGES + 1):
            found = self._execute("DisplaysInMarket", queries.DISPLAYS_IN_MARKET, {**variables, "page": page})
            items = _list(found.get("displays"), "DisplaysInMarket")
            for item in items:
                try:
                    readable.append(Display.model_validate(item))
                except ValidationError:
                    identifier = item.get("id")
                    unreadable.append(identifier if isinstance(identifier, int) else -1)
            if len(items) < limit:
                return readable, unreadable
        raise CentraUnexpectedResponse("DisplaysInMarket", 200, f"more than {_MAX_PAGES} pages of displays")

    # --- plumbing --------------------------------------------------------------------------------------

    def _pages(
        self, operation: str, document: str, field: str, variables: Mapping[str, Any]
    ) -> Iterator[dict[str, Any]]:
        for page in range(1, _MAX_PAGES + 1):
            found = self._execute(operation, document, {**variables, "limit": MAX_LIMIT, "page": page}).get(field)
            items = _list(found, operation)
            yield from items
            if len(items) < MAX_LIMIT:
                return
        raise CentraUnexpectedResponse(operation, 200, f"more than {_MAX_PAGES} pages")

    def _mutation(
        self, operation: str, document: str, variables: Mapping[str, Any], field: str
    ) -> tuple[dict[str, Any], tuple[CentraIssue, ...]]:
        """Run a mutation; raise its ``userErrors``, log and return its ``userWarnings``."""
        payload = self._execute(operation, document, variables).get(field)
        if not isinstance(payload, dict):
            raise CentraUnexpectedResponse(operation, 200, f"no {field} payload")
        errors = _issues(payload.get("userErrors"))
        if errors:
            self._logger.warning(
                "centra user errors", extra={"centra_operation": operation, "user_errors": [str(e) for e in errors]}
            )
            raise CentraUserError(operation, errors)
        warnings = _issues(payload.get("userWarnings"))
        if warnings:
            self._logger.warning(
                "centra user warnings",
                extra={"centra_operation": operation, "user_warnings": [str(w) for w in warnings]},
            )
        return payload, warnings

    def _execute(self, operation: str, document: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """POST one GraphQL operation with retries; return its ``data``."""
        data, _ = self._send(operation, document, variables, partial=False)
        return data

    def _execute_answered(
        self, operation: str, document: str, variables: Mapping[str, Any]
    ) -> tuple[dict[str, Any], frozenset[str]]:
        """``_execute`` for a document of aliased parts: its ``data``, and the aliases whose part carried an error
        (the first element of each error's ``path``). An error that names no part fails the whole request."""
        data, issues = self._send(operation, document, variables, partial=True)
        refused = frozenset(issue.path[0] for issue in issues)
        if refused:
            self._logger.warning(
                "centra answered in part", extra={"centra_operation": operation, "refused_parts": sorted(refused)}
            )
        return data, refused

    def _send(
        self, operation: str, document: str, variables: Mapping[str, Any], *, partial: bool
    ) -> tuple[dict[str, Any], tuple[CentraIssue, ...]]:
        content = json.dumps(
            {"query": document, "variables": dict(variables), "operationName": operation}, separators=(",", ":")
        ).encode()
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(operation, content, attempt, partial=partial)
            except CentraRetryableError as error:
                delay = self._retry.delay_before_retry(attempt, error.retry_after)
                if delay is None or not self._deadline.allows_sleep(delay, self._retry.deadline_reserve):
                    raise
                self._logger.warning(
                    "centra call will be retried",
                    extra=_fields(operation, attempt, status=error.status, delay_s=round(delay, 3)),
                )
                self._sleep(delay)

    def _attempt(
        self, operation: str, content: bytes, attempt: int, *, partial: bool
    ) -> tuple[dict[str, Any], tuple[CentraIssue, ...]]:
        timeout = self._deadline.cap(self._timeout, _REQUEST_RESERVE_S)
        if timeout < _MIN_USEFUL_TIMEOUT_S:
            raise CentraRetryableError(operation, None, detail="no time left in invocation")
        token = self._token if isinstance(self._token, str) else self._token()
        started = time.perf_counter()
        try:
            response = self._http.post(
                self.graphql_url,
                content=content,
                headers={"Authorization": f"Bearer {token}"},
                timeout=httpx.Timeout(timeout, connect=min(self._connect_timeout, timeout)),
            )
        except httpx.HTTPError as exc:
            latency_ms = _latency_ms(started)
            self._logger.warning(
                "centra call failed without an answer",
                extra=_fields(operation, attempt, latency_ms=latency_ms, failure=type(exc).__name__),
            )
            raise CentraRetryableError(operation, None, detail=type(exc).__name__) from None
        latency_ms = _latency_ms(started)
        try:
            answered = self._classify(operation, response, partial=partial)
        except CentraError as error:
            self._logger.info(
                "centra call",
                extra=_fields(
                    operation, attempt, status=response.status_code, latency_ms=latency_ms, error=type(error).__name__
                ),
            )
            raise
        # Every routed change reads Centra once: a line per answered read is DEBUG (sampled), a refused one INFO.
        self._logger.debug(
            "centra call", extra=_fields(operation, attempt, status=response.status_code, latency_ms=latency_ms)
        )
        return answered

    def _classify(
        self, operation: str, response: httpx.Response, *, partial: bool
    ) -> tuple[dict[str, Any], tuple[CentraIssue, ...]]:
        """The ``data`` of a successful answer, or the typed error for any other. ``partial``: an answer whose
        every error names a path, with ``data``, is successful too, returned with its errors."""
        status = response.status_code
        body = _json_object(response)
        issues, category = _graphql_errors(body)
        detail = "; ".join(str(issue) for issue in issues)
        if status in (401, 403):
            raise CentraUnauthorized(operation, status, detail)
        if status in (408, 429) or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"), now=self._clock)
            raise CentraRetryableError(operation, status, retry_after=retry_after, detail=detail)
        if body is None:
            raise CentraUnexpectedResponse(operation, status, "body is not a JSON object")
        data = body.get("data")
        if issues:
            if category == _AUTH_CATEGORY:
                raise CentraUnauthorized(operation, status, detail)
            if category in _RATE_LIMIT_CATEGORIES:
                raise CentraRetryableError(operation, status, detail=detail)
            answered_in_part = partial and status == 200 and isinstance(data, dict)
            if not answered_in_part or not all(issue.path for issue in issues):
                raise CentraGraphQLError(operation, status, issues, category)
        if status != 200 or not isinstance(data, dict):
            raise CentraUnexpectedResponse(operation, status, "no data")
        return data, issues


# --- answers -> models ---------------------------------------------------------------------------------


def _confirmed_ids(payload: Mapping[str, Any]) -> list[int]:
    events = payload.get("events")
    return [
        item["id"]
        for item in (events if isinstance(events, list) else [])
        if isinstance(item, dict) and isinstance(item.get("id"), int)
    ]


def _issues(raw: object) -> tuple[CentraIssue, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(
        CentraIssue(
            message=scrubbed(item.get("message") or ""),
            path=tuple(scrubbed(part) for part in item.get("path") or () if part is not None),
        )
        for item in raw
        if isinstance(item, dict)
    )


def _graphql_errors(body: Mapping[str, Any] | None) -> tuple[tuple[CentraIssue, ...], str | None]:
    raw = body.get("errors") if body is not None else None
    issues = _issues(raw)
    category = None
    for item in raw if isinstance(raw, list) else []:
        extensions = item.get("extensions") if isinstance(item, dict) else None
        if isinstance(extensions, dict) and isinstance(extensions.get("category"), str):
            category = extensions["category"]
            break
    return issues, category


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _field(found: object, name: str, operation: str) -> object:
    if not isinstance(found, dict):
        raise CentraUnexpectedResponse(operation, 200, "answer is not an object")
    return found.get(name)


def _object_answer(data: Mapping[str, Any], refused: frozenset[str], ref: CentraRef, n: int) -> ObjectAnswer | None:
    """The ``n``-th object's part of a ``RouterObjects`` answer; None when it is not a whole answer (read it alone)."""
    aliases = [queries.object_alias(ref.kind, n)]
    if ref.kind == "customer":
        aliases.append(queries.anonymised_alias(n))
    parts = [data.get(alias) for alias in aliases]
    if any(alias in refused for alias in aliases) or not all(isinstance(part, list) for part in parts):
        return None
    found = next((item for item in parts[0] or () if isinstance(item, dict)), None)
    if found is not None and ref.kind in ("shipment", "return"):
        found = found.get("order")  # read whole through its link; without one it is read alone, and raises there
        if not isinstance(found, dict) or not isinstance(found.get("number"), int):
            return None
    return ObjectAnswer(found, anonymised=len(parts) > 1 and bool(parts[1]))


def _list(found: object, operation: str) -> list[dict[str, Any]]:
    if not isinstance(found, list):
        raise CentraUnexpectedResponse(operation, 200, "answer is not a list")
    return [item for item in found if isinstance(item, dict)]


def _timestamp(moment: datetime) -> str:
    """``DateTimeTz`` with its offset; a naive datetime would be read in the tenant's zone, so it is refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.isoformat(timespec="seconds")


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be in 1..{MAX_LIMIT}")
    return limit


def _page(page: int) -> int:
    if page < 1:
        raise ValueError("page must be >= 1")
    return page


def _latency_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _fields(operation: str, attempt: int, **extra: object) -> dict[str, object]:
    fields: dict[str, object] = {"centra_operation": operation, "attempt": attempt}
    fields.update({key: value for key, value in extra.items() if value is not None})
    return fields
