"""The Centra client over ``httpx.MockTransport``: answers, typed errors, retries and Retry-After, no sockets."""

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import httpx
import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from engage_bridge.centra import Order, queries
from engage_bridge.centra.client import CentraClient
from engage_bridge.centra.outcomes import (
    CentraError,
    CentraGraphQLError,
    CentraIssue,
    CentraRetryableError,
    CentraUnauthorized,
    CentraUnexpectedResponse,
    CentraUserError,
    parse_retry_after,
)
from engage_bridge.centra.token import StoredCentraToken
from engage_bridge.engage.retry import RetryPolicy
from engage_bridge.errors import BridgeError, ConfigError, MappingError
from engage_bridge.pii import email_ref
from engage_bridge_tools.centra_fake.fake import CentraFake

URL = "https://tenant.centra.example/graphql"
TOKEN = "s3cret-token"
NOW = 1_774_008_000.0  # 2026-03-20T12:00:00Z
Handler = Callable[[httpx.Request], httpx.Response]


def policy(max_attempts: int = 3) -> RetryPolicy:
    return RetryPolicy(max_attempts=max_attempts, base_delay=0.0, max_delay=0.0)


class Recorder:
    """Answers requests from a list of responses (or one handler) and keeps what was sent."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self._answers: Iterator[httpx.Response | Exception | Handler] = iter(answers)
        self.requests: list[httpx.Request] = []
        self.slept: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = next(self._answers)
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]

    def client(self, retry: RetryPolicy | None = None, **kwargs: Any) -> CentraClient:
        return CentraClient(
            URL,
            kwargs.pop("token", TOKEN),
            transport=httpx.MockTransport(self),
            retry=retry or policy(),
            sleep=self.slept.append,
            clock=lambda: NOW,
            **kwargs,
        )


def ok(data: dict[str, Any], **extra: Any) -> httpx.Response:
    return httpx.Response(200, json={"data": data, **extra})


def graphql_error(message: str, category: str | None = None, status: int = 200) -> httpx.Response:
    error: dict[str, Any] = {"message": message}
    if category:
        error["extensions"] = {"category": category}
    return httpx.Response(status, json={"errors": [error], "data": None})


def fake_order(number: int = 1001) -> dict[str, Any]:
    """A real order document, as the fake serves it for the client's own query."""
    answer = CentraFake.from_file().execute(queries.ORDER, {"number": number})
    order: dict[str, Any] = answer["data"]["orders"][0]
    return order


def fake_shipments(order_id: str) -> list[dict[str, Any]]:
    """The order's shipments, as the fake serves them for the client's ShipmentFilter.orderId query."""
    variables = {"orderIds": [order_id], "limit": 200, "page": 1}
    shipments: list[dict[str, Any]] = CentraFake.from_file().execute(queries.ORDER_SHIPMENTS, variables)["data"][
        "shipments"
    ]
    return shipments


# --- answers -> models ----------------------------------------------------------------------------------


def test_an_order_is_fetched_with_the_token_then_its_shipments_by_order_id() -> None:
    order_document = fake_order()
    recorder = Recorder(ok({"orders": [order_document]}), ok({"shipments": fake_shipments(order_document["id"])}))

    order = recorder.client().order(1001)

    assert isinstance(order, Order) and order.number == 1001 and len(order.shipments) == 2
    first, _ = recorder.requests
    assert first.method == "POST" and str(first.url) == URL
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert [(body["operationName"], body["variables"]) for body in recorder.bodies()] == [
        ("Order", {"number": 1001}),
        ("OrderShipments", {"orderIds": [order_document["id"]], "limit": 200, "page": 1}),
    ]


@pytest.mark.parametrize(
    ("read", "operation", "field"),
    [("shipment_order", "ShipmentOrder", "shipments"), ("return_order", "ReturnOrder", "returns")],
)
def test_a_shipment_or_return_is_read_with_its_whole_order_then_the_orders_shipments(
    read: str, operation: str, field: str
) -> None:
    order_document = fake_order()
    recorder = Recorder(
        ok({field: [{"order": order_document}]}), ok({"shipments": fake_shipments(order_document["id"])})
    )

    order = getattr(recorder.client(), read)(7)

    assert isinstance(order, Order) and order.number == 1001 and len(order.shipments) == 2
    assert [(body["operationName"], body["variables"]) for body in recorder.bodies()] == [
        (operation, {"id": 7}),
        ("OrderShipments", {"orderIds": [order_document["id"]], "limit": 200, "page": 1}),
    ]


def test_a_shipment_whose_order_has_no_number_is_an_unexpected_answer() -> None:
    recorder = Recorder(ok({"shipments": [{"order": {"id": "abc"}}]}))

    with pytest.raises(CentraUnexpectedResponse, match="no order"):
        recorder.client().shipment_order(7)


def test_missing_objects_are_none() -> None:
    recorder = Recorder(
        ok({"orders": []}),
        ok({"shipments": []}),
        ok({"returns": []}),
        ok({"customers": []}),
        ok({"newsletterSubscriptions": []}),
    )
    client = recorder.client()

    assert client.order(1) is None
    assert client.shipment_order(1) is None
    assert client.return_order(1) is None
    assert client.customer(1) is None
    assert client.newsletter_subscription(1) is None


def test_the_token_provider_is_asked_before_each_attempt() -> None:
    tokens = iter(["first", "second"])
    recorder = Recorder(httpx.Response(503), ok({"customers": []}))

    recorder.client(token=lambda: next(tokens)).customer(1)

    assert [request.headers["Authorization"] for request in recorder.requests] == ["Bearer first", "Bearer second"]


def test_lookups_page_until_a_short_page() -> None:
    full = [{"id": n, "email": "a@example.com"} for n in range(200)]
    recorder = Recorder(ok({"customers": full}), ok({"customers": [{"id": 201, "email": "a@example.com"}]}))

    customers = recorder.client().customers_by_email("a@example.com")

    assert len(customers) == 201
    assert [body["variables"] for body in recorder.bodies()] == [
        {"email": "a@example.com", "limit": 200, "page": 1},
        {"email": "a@example.com", "limit": 200, "page": 2},
    ]


def test_a_document_the_models_reject_is_a_mapping_error() -> None:
    order = fake_order()
    del order["grandTotal"]
    recorder = Recorder(ok({"orders": [order]}), ok({"shipments": []}))

    with pytest.raises(MappingError) as caught:
        recorder.client().order(1001)

    assert caught.value.field == "grandTotal"


def test_date_ranges_must_be_aware_and_limits_in_range() -> None:
    client = Recorder().client()
    naive, aware = datetime(2026, 3, 1), datetime(2026, 3, 1, tzinfo=UTC)

    with pytest.raises(ValueError, match="timezone-aware"):
        client.orders_created_between(naive, aware)
    with pytest.raises(ValueError, match="limit"):
        client.orders_created_between(aware, aware, limit=201)
    with pytest.raises(ValueError, match="limit"):
        client.fetch_events(limit=0)


def test_a_bad_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        CentraClient("ftp://centra.example/graphql", TOKEN)


# --- typed errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_401_and_403_are_unauthorized(status: int) -> None:
    recorder = Recorder(graphql_error("Invalid or expired access token", "authorization", status))

    with pytest.raises(CentraUnauthorized) as caught:
        recorder.client().customer(1)

    assert caught.value.status == status
    assert TOKEN not in str(caught.value)
    assert len(recorder.requests) == 1  # not retried


def test_an_authorization_category_in_a_200_is_unauthorized() -> None:
    recorder = Recorder(graphql_error("You need Customer:read permission to access customer.", "authorization"))

    with pytest.raises(CentraUnauthorized, match=r"Customer:read"):
        recorder.client().customer(1)


def test_top_level_errors_are_graphql_errors_with_their_category_and_no_email() -> None:
    message = 'Variable "$email" got invalid value "anna@example.com"'
    recorder = Recorder(graphql_error(message, "graphql"))

    with pytest.raises(CentraGraphQLError) as caught:
        recorder.client().customers_by_email("anna@example.com")

    assert caught.value.category == "graphql"
    assert "anna@example.com" not in str(caught.value)
    assert email_ref("anna@example.com") in caught.value.issues[0].message
    assert len(recorder.requests) == 1


def test_a_400_with_errors_is_a_graphql_error() -> None:
    recorder = Recorder(graphql_error("Expected a JSON body", "request", status=400))

    with pytest.raises(CentraGraphQLError) as caught:
        recorder.client().customer(1)

    assert caught.value.status == 400 and caught.value.category == "request"


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json={"data": None}),
        httpx.Response(404, json={}),
        httpx.Response(200, json={"data": {"customers": {"not": "a list"}}}),
    ],
)
def test_unreadable_answers_are_unexpected(response: httpx.Response) -> None:
    recorder = Recorder(response)

    with pytest.raises(CentraUnexpectedResponse):
        recorder.client().customer(1)


def test_user_errors_of_a_mutation_are_raised_with_message_and_path() -> None:
    payload = {
        "eventListeners": [],
        "userErrors": [{"message": "Unknown object type", "path": ["input", "0", "objectType"]}],
        "userWarnings": [],
    }
    recorder = Recorder(ok({"setEventListeners": payload}))

    with pytest.raises(CentraUserError) as caught:
        recorder.client().set_event_listeners(["Order"])

    assert caught.value.issues == (CentraIssue("Unknown object type", ("input", "0", "objectType")),)
    assert caught.value.messages == ("Unknown object type",)


def test_user_warnings_are_returned_and_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    payload = {
        "events": [{"id": 1}],
        "userErrors": [],
        "userWarnings": [{"message": "Event 9 not found or already confirmed", "path": ["input", "eventsIds"]}],
    }
    recorder = Recorder(ok({"confirmEvents": payload}))

    with caplog.at_level(logging.INFO):
        result = recorder.client().confirm_events([1, 9, 1])

    assert result.confirmed == (1,)
    assert result.requested == (1, 9)
    assert result.not_confirmed == (9,)
    assert result.warnings == (CentraIssue("Event 9 not found or already confirmed", ("input", "eventsIds")),)
    assert recorder.bodies()[0]["variables"] == {"ids": [1, 9]}
    assert any(record.getMessage() == "centra user warnings" for record in caplog.records)


def test_confirming_nothing_sends_nothing() -> None:
    recorder = Recorder()

    assert recorder.client().confirm_events([]).confirmed == ()
    recorder.client().set_event_listeners([])
    assert recorder.requests == []


def test_every_error_is_a_bridge_error() -> None:
    for error_type in (CentraUserError, CentraGraphQLError, CentraUnauthorized, CentraRetryableError):
        assert issubclass(error_type, CentraError) and issubclass(error_type, BridgeError)


# --- retries --------------------------------------------------------------------------------------------


def test_a_429_waits_until_centras_retry_after_timestamp_then_succeeds() -> None:
    limited = httpx.Response(429, headers={"Retry-After": str(int(NOW) + 4)}, json={"errors": []})
    recorder = Recorder(limited, ok({"customers": []}))

    assert recorder.client().customer(1) is None

    assert recorder.slept == [4.0]
    assert len(recorder.requests) == 2


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500),
        httpx.Response(502, text="bad gateway"),
        httpx.Response(503),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
    ],
)
def test_transient_failures_are_retried(failure: httpx.Response | Exception) -> None:
    recorder = Recorder(failure, ok({"customers": []}))

    assert recorder.client().customer(1) is None
    assert len(recorder.requests) == 2
    assert recorder.slept == [0.0]


def test_retries_are_bounded_then_the_retryable_error_propagates() -> None:
    recorder = Recorder(httpx.ConnectError("refused"), httpx.ConnectError("refused"), httpx.ConnectError("refused"))

    with pytest.raises(CentraRetryableError) as caught:
        recorder.client(policy(max_attempts=3)).customer(1)

    assert caught.value.status is None
    assert "ConnectError" in str(caught.value)
    assert len(recorder.requests) == 3
    assert len(recorder.slept) == 2


def test_backoff_uses_full_jitter() -> None:
    recorder = Recorder(httpx.Response(503), httpx.Response(503), ok({"customers": []}))
    retry = RetryPolicy(max_attempts=3, base_delay=1.0, max_delay=8.0)

    recorder.client(retry).customer(1)

    assert len(recorder.slept) == 2
    assert 0.0 <= recorder.slept[0] <= 1.0 and 0.0 <= recorder.slept[1] <= 2.0


def test_a_retry_after_longer_than_the_cap_is_not_slept() -> None:
    limited = httpx.Response(429, headers={"Retry-After": str(int(NOW) + 60)})
    recorder = Recorder(limited)

    with pytest.raises(CentraRetryableError) as caught:
        recorder.client().customer(1)

    assert caught.value.retry_after == 60.0
    assert recorder.slept == []


def test_no_sleep_outlasts_the_invocation() -> None:
    limited = httpx.Response(429, headers={"Retry-After": "3"})
    recorder = Recorder(limited)

    with pytest.raises(CentraRetryableError):
        recorder.client(remaining_time_ms=lambda: 2_000).customer(1)

    assert recorder.slept == []


def test_no_request_without_time_left() -> None:
    recorder = Recorder()
    client = recorder.client()
    client.set_deadline(lambda: 100)

    with pytest.raises(CentraRetryableError, match="no time left"):
        client.customer(1)

    assert recorder.requests == []


def test_a_rate_limit_category_in_a_200_is_retryable() -> None:
    recorder = Recorder(graphql_error("Rate limit exceeded", "rateLimit"), ok({"customers": []}))

    assert recorder.client().customer(1) is None
    assert len(recorder.requests) == 2


# --- Retry-After ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (str(int(NOW) + 7), 7.0),  # Centra: the Unix timestamp to resume at
        (str(int(NOW * 1000) + 2500), 2.5),  # the same in milliseconds
        (str(int(NOW) - 5), 0.0),  # already passed
        ("2026-03-20T12:00:09+00:00", 9.0),  # ISO-8601
        ("2026-03-20T13:00:09+01:00", 9.0),
        ("Fri, 20 Mar 2026 12:00:30 GMT", 30.0),  # HTTP-date
        ("12", 12.0),  # delta-seconds
        ("0.5", 0.5),
        ("", None),
        (None, None),
        ("soon", None),
        ("nan", None),
    ],
)
def test_retry_after_forms(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, now=lambda: NOW) == seconds


# --- logs -----------------------------------------------------------------------------------------------


def test_logs_name_the_operation_never_the_token_or_email(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(httpx.Response(503), ok({"customers": []}))

    debug = Logger(service="centra-client-test", level="DEBUG")  # an answered read is logged at DEBUG (sampled)
    with caplog.at_level(logging.DEBUG, logger="centra-client-test"):
        recorder.client(logger=debug).customers_by_email("anna@example.com")

    logged = [record for record in caplog.records if record.getMessage().startswith("centra call")]
    assert [getattr(record, "centra_operation", None) for record in logged] == ["CustomersByEmail"] * 3
    assert [getattr(record, "attempt", None) for record in logged] == [1, 1, 2]
    assert [getattr(record, "status", None) for record in logged] == [503, 503, 200]
    text = " ".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert TOKEN not in text
    assert "anna@example.com" not in text


# --- token from Secrets Manager (moto) -----------------------------------------------------------------


@pytest.fixture
def secrets() -> Iterator[Any]:
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="eu-north-1")
    parameters.clear_caches()  # type: ignore[no-untyped-call]


def test_the_token_secret_forms(secrets: Any) -> None:
    secrets.create_secret(Name="centra/plain", SecretString=f"  {TOKEN}\n")
    secrets.create_secret(Name="centra/json", SecretString=json.dumps({"token": TOKEN}))

    assert StoredCentraToken("centra/plain")() == TOKEN
    assert StoredCentraToken("centra/json")() == TOKEN
    assert repr(StoredCentraToken("centra/json")) == "StoredCentraToken('centra/json')"


def test_an_empty_token_secret_is_a_config_error_without_its_value(secrets: Any) -> None:
    secrets.create_secret(Name="centra/odd", SecretString=json.dumps({"apikey": "not-the-right-field"}))

    with pytest.raises(ConfigError) as caught:
        StoredCentraToken("centra/odd")()

    assert "centra/odd" in str(caught.value)
    assert "not-the-right-field" not in str(caught.value)


def test_a_client_from_a_missing_secret_fails_retryably_without_a_request(secrets: Any) -> None:
    recorder = Recorder()
    client = CentraClient.from_secret(URL, "centra/missing", transport=httpx.MockTransport(recorder), retry=policy(1))

    with pytest.raises(CentraRetryableError, match="token unavailable"):
        client.customer(1)

    assert recorder.requests == []


def test_a_client_from_a_secret_sends_its_token(secrets: Any) -> None:
    secrets.create_secret(Name="centra/brand-x", SecretString=TOKEN)
    recorder = Recorder(ok({"customers": []}))

    with CentraClient.from_secret(URL, "centra/brand-x", transport=httpx.MockTransport(recorder)) as client:
        client.customer(1)

    assert recorder.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


# --- events ---------------------------------------------------------------------------------------------


def _event(event_id: int, object_type: str = "Order", **extra: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "objectType": object_type,
        "changeType": "UPDATED",
        "objectReference": 100 + event_id,
        "createdAt": "2026-03-20T12:00:00+00:00",
        **extra,
    }


def _stock_line(sku: str, *rows: tuple[int, int]) -> dict[str, Any]:
    stock = [{"warehouse": {"id": warehouse}, "freeToAllocateQuantity": fta} for warehouse, fta in rows]
    return {"productSize": {"SKU": sku, "stock": stock}}


def test_one_unreadable_event_does_not_fail_the_poll() -> None:
    recorder = Recorder(ok({"events": [_event(1), {**_event(2), "createdAt": "not a date"}, {"no": "id"}, _event(3)]}))

    page = recorder.client().fetch_events()

    assert [event.id for event in page.events] == [1, 3]
    assert [problem.id for problem in page.unreadable] == [2, None] and page.size == 4
    assert "object" not in recorder.bodies()[0]["query"].replace("objectType", "").replace("objectReference", "")


def test_a_stock_changes_lines_are_read_past_one_page_with_stock_per_warehouse() -> None:
    page_size = 100
    first_page = [_stock_line(f"S-{n}", (11, n)) for n in range(page_size)]
    recorder = Recorder(
        ok({"events": [_event(1, "StockChange"), _event(2, "Order")]}),
        ok({"events": [{"id": 1, "object": {"id": 9, "lines": first_page}}]}),
        ok({"events": [{"id": 1, "object": {"id": 9, "lines": [_stock_line("LAST", (11, 2), (12, 5))]}}]}),
    )

    page = recorder.client().fetch_events(warehouse_ids=[11, 12])

    change = page.events[0]
    assert len(change.stock) == page_size + 1
    assert change.stock[-1].sku == "LAST" and [w.free_to_allocate for w in change.stock[-1].warehouses] == [2, 5]
    assert [body["variables"]["linePage"] for body in recorder.bodies()[1:]] == [1, 2]
    assert recorder.bodies()[1]["variables"]["warehouseIds"] == [11, 12]


def test_a_stock_change_whose_lines_cannot_be_read_is_unreadable_alone() -> None:
    bad = {"productSize": {"SKU": "A", "stock": [{"warehouse": {"id": 1}, "freeToAllocateQuantity": "many"}]}}
    recorder = Recorder(
        ok({"events": [_event(1, "StockChange"), _event(2)]}),
        ok({"events": [{"id": 1, "object": {"lines": [bad]}}]}),
    )

    page = recorder.client().fetch_events()

    assert [event.id for event in page.events] == [2]
    assert [problem.id for problem in page.unreadable] == [1]


def test_event_listeners_list_the_integration_names_queue() -> None:
    listeners = [{"integrationName": "bridge", "objectType": "Order", "changeTypes": ["CREATED"]}]
    recorder = Recorder(ok({"eventListeners": listeners}))

    [listener] = recorder.client().event_listeners()

    assert (listener.integration_name, listener.object_type) == ("bridge", "Order")


def test_a_stock_change_missing_from_the_lines_query_is_unreadable_not_empty() -> None:
    recorder = Recorder(ok({"events": [_event(1, "StockChange")]}), ok({"events": []}))

    page = recorder.client().fetch_events()

    assert page.events == () and [(p.id, p.reason) for p in page.unreadable] == [
        (1, "stock change not returned with its lines")
    ]
