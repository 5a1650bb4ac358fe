"""The client against httpx.MockTransport: outcomes, retries, timeouts and headers, without sockets."""

import io
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from aws_lambda_powertools import Logger

from engage_bridge.config import EngageConnection
from engage_bridge.engage import (
    EngageClient,
    EngageConflict,
    EngageError,
    EngageNotFound,
    EngageRetryableError,
    EngageUnauthorized,
    EngageUnexpectedResponse,
    EngageValidationError,
    RetryPolicy,
    StoredEngageApiKey,
)
from engage_bridge.engage.rate_limit import TokenBucket, container_share

API_KEY = "unit-secret-key-123"
EMAIL = "ada.lovelace@example.com"
Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A fake Engage: answers from a script, records requests and sleeps."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    def client(self, **options: Any) -> EngageClient:
        options.setdefault("requests_per_second", None)
        options.setdefault("retry", RetryPolicy(base_delay=0.01, max_delay=0.02))
        return EngageClient(
            "https://tenant.staging.voyado.com",
            options.pop("api_key", API_KEY),
            transport=httpx.MockTransport(self),
            sleep=self.sleeps.append,
            **options,
        )


def _json(status: int, body: object = None, headers: dict[str, str] | None = None) -> httpx.Response:
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


def _capturing_logger() -> tuple[Logger, io.StringIO]:
    buffer = io.StringIO()
    logger = Logger(service=f"test-{uuid.uuid4().hex}", logger_handler=logging.StreamHandler(buffer), level="DEBUG")
    return logger, buffer


def test_every_request_carries_the_api_key_user_agent_and_json_content_type() -> None:
    fake = Recorder(_json(200, "contact-1"), _json(200, {"id": "contact-1"}))
    client = fake.client(user_agent="brand-x/2.0")
    client.find_contact_id(EMAIL)
    client.get_contact("contact-1")
    for request in fake.requests:
        assert request.headers["apikey"] == API_KEY
        assert request.headers["User-Agent"] == "centra-engage-bridge/0.1.0 brand-x/2.0"
        assert request.headers["Content-Type"] == "application/json"


def test_api_key_provider_is_asked_on_each_request_and_rotation_takes_effect() -> None:
    keys = iter(["old-key", "new-key"])
    fake = Recorder(_json(200, "contact-1"))
    client = fake.client(api_key=lambda: next(keys))
    client.find_contact_id(EMAIL)
    client.find_contact_id(EMAIL)
    assert [request.headers["apikey"] for request in fake.requests] == ["old-key", "new-key"]


def test_lookup_returns_the_id_or_none_and_sends_the_contact_type() -> None:
    fake = Recorder(_json(200, "contact-1"), _json(404, {"errorCode": "ContactNotFound"}))
    client = fake.client()
    assert client.find_contact_id(EMAIL, "member") == "contact-1"
    assert client.find_contact_id(EMAIL) is None
    assert fake.requests[0].url.params["email"] == EMAIL
    assert fake.requests[0].url.params["contactType"] == "member"
    assert "contactType" not in fake.requests[1].url.params


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, {"errorCode": "InvalidEmailAddress", "message": "bad"}, EngageValidationError),
        (401, {"message": "nope"}, EngageUnauthorized),
        (403, None, EngageUnauthorized),
        (404, {"errorCode": "ContactNotFound"}, EngageNotFound),
        (409, {"errorCode": "PromotionExpired"}, EngageConflict),
        (418, None, EngageUnexpectedResponse),
    ],
)
def test_permanent_answers_raise_their_type_after_one_attempt(
    status: int, body: object, expected: type[EngageError]
) -> None:
    fake = Recorder(_json(status, body))
    with pytest.raises(expected) as caught:
        fake.client().get_contact("contact-1")
    assert len(fake.requests) == 1
    assert caught.value.status == status
    assert "contact-1" not in str(caught.value)  # path template, not the path


def test_validation_error_carries_engage_issues() -> None:
    body = {
        "message": "Order is not valid",
        "validationErrors": [
            {"validationErrorCode": "InvalidOrderStatus", "field": "OrderStatus", "errorDescription": "not valid"}
        ],
    }
    fake = Recorder(_json(422, body))
    with pytest.raises(EngageValidationError) as caught:
        fake.client().post_order({"orderNumber": "1"})
    assert [(i.code, i.field, i.description) for i in caught.value.issues] == [
        ("InvalidOrderStatus", "OrderStatus", "not valid")
    ]
    assert caught.value.message == "Order is not valid"


def test_multiple_matches_carry_the_contact_ids() -> None:
    body = {"errorCode": "MultipleMatches", "messageDetails": {"multipleMatchesFound": ["a", "b"]}}
    fake = Recorder(_json(409, body))
    with pytest.raises(EngageConflict) as caught:
        fake.client().find_contact_id(EMAIL)
    assert caught.value.matches == ("a", "b")


def test_429_is_retried_after_the_retry_after_it_names() -> None:
    fake = Recorder(_json(429, {"message": "slow down"}, {"Retry-After": "2"}), _json(202))
    fake.client().post_receipt({"uniqueReceiptId": "189-1"})
    assert len(fake.requests) == 2
    assert fake.sleeps == [2.0]


def test_retryable_errors_propagate_after_the_last_attempt() -> None:
    fake = Recorder(_json(503))
    with pytest.raises(EngageRetryableError) as caught:
        fake.client(retry=RetryPolicy(max_attempts=3, base_delay=0.01)).post_receipt({"uniqueReceiptId": "1"})
    assert len(fake.requests) == 3
    assert len(fake.sleeps) == 2
    assert caught.value.status == 503
    assert not caught.value.maybe_applied


def test_an_order_that_may_have_been_applied_is_not_sent_twice() -> None:
    fake = Recorder(_json(500))
    with pytest.raises(EngageRetryableError) as caught:
        fake.client().post_order({"orderNumber": "1"})
    assert len(fake.requests) == 1
    assert caught.value.maybe_applied


def test_an_order_engage_refused_with_503_is_resent() -> None:
    fake = Recorder(_json(503), _json(202))
    fake.client().post_order({"orderNumber": "1"})
    assert len(fake.requests) == 2


def test_timeouts_and_connection_errors_become_typed_retryable_errors() -> None:
    fake = Recorder(httpx.ConnectError("refused"))
    with pytest.raises(EngageRetryableError) as caught:
        fake.client(retry=RetryPolicy(max_attempts=2, base_delay=0.01)).get_contact("c")
    assert not caught.value.maybe_applied  # never sent
    assert caught.value.__cause__ is None and caught.value.__suppress_context__

    fake = Recorder(httpx.ReadTimeout("slow"), _json(202))
    fake.client().post_receipt({"uniqueReceiptId": "1"})  # idempotent: resent after a read timeout
    assert len(fake.requests) == 2


def test_no_sleep_that_would_outlast_the_lambda() -> None:
    fake = Recorder(_json(429, None, {"Retry-After": "3"}), _json(202))
    client = fake.client(remaining_time_ms=lambda: 2_500)
    with pytest.raises(EngageRetryableError):
        client.post_receipt({"uniqueReceiptId": "1"})
    assert fake.sleeps == []
    assert len(fake.requests) == 1


def test_timeouts_per_endpoint_and_capped_by_the_invocation() -> None:
    fake = Recorder(_json(200, {"id": "c"}))
    client = fake.client()
    client.get_contact("c")
    client.create_contact({"email": EMAIL})
    client.redeem_promotion("assignment-1")
    read_timeouts = [request.extensions["timeout"]["read"] for request in fake.requests]
    assert read_timeouts == [30.0, 15.0, 60.0]  # config defaults; redeem >= 60 s as Voyado asks

    client.set_deadline(lambda: 10_000)
    client.redeem_promotion("assignment-1")
    assert fake.requests[-1].extensions["timeout"]["read"] == 9.5


def test_redeem_counts_already_redeemed_after_an_unanswered_attempt_as_done() -> None:
    fake = Recorder(httpx.ReadTimeout("slow"), _json(409, {"errorCode": "PromotionAlreadyRedeemed"}))
    fake.client().redeem_promotion("assignment-1")
    assert len(fake.requests) == 2
    assert json.loads(fake.requests[0].content) == {"redemptionChannel": "ECOM"}


def test_redeem_of_an_already_redeemed_promotion_is_a_conflict() -> None:
    fake = Recorder(_json(409, {"errorCode": "PromotionAlreadyRedeemed"}))
    with pytest.raises(EngageConflict) as caught:
        fake.client().redeem_promotion("assignment-1")
    assert caught.value.error_code == "PromotionAlreadyRedeemed"


@pytest.mark.parametrize(
    ("body", "existing_id"),
    [
        ({"errorCode": "ApprovedContactWithKeyExists"}, None),
        ({"errorCode": "ApprovedContactWithKeyExists", "id": "old-id"}, "old-id"),
        ({"contactId": "old-id"}, "old-id"),
    ],
)
def test_a_create_conflict_carries_its_code_and_the_contact_it_names(
    body: dict[str, str], existing_id: str | None
) -> None:
    fake = Recorder(_json(409, body))
    with pytest.raises(EngageConflict) as caught:
        fake.client().create_contact({"email": EMAIL, "contactType": "member"})
    assert caught.value.existing_id == existing_id
    assert caught.value.error_code == body.get("errorCode")


def test_create_contact_sends_source_and_store_as_query_parameters() -> None:
    fake = Recorder(_json(201, {"id": "new-id"}))
    contact_id = fake.client(source="ECOM").create_contact(
        {"email": EMAIL, "contactType": "member"}, store_external_id="Sweden"
    )
    assert contact_id == "new-id"
    assert dict(fake.requests[0].url.params) == {"source": "ECOM", "storeExternalId": "Sweden"}


def test_create_contact_looks_up_before_resending_after_a_timeout() -> None:
    def engage(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            raise httpx.ReadTimeout("slow")
        return _json(200, "created-by-first-attempt")

    fake = Recorder(engage)
    assert fake.client().create_contact({"email": EMAIL, "contactType": "member"}) == "created-by-first-attempt"
    assert [request.method for request in fake.requests] == ["POST", "GET"]
    assert fake.requests[1].url.params["contactType"] == "member"


def test_a_last_answer_that_changed_nothing_still_says_an_earlier_attempt_may_have() -> None:
    """A create whose first attempt went unanswered, the lookup finding nothing, then Engage's own 504: the first
    may still have created the contact (the lookup can lag), which the contact's creation claim must know."""

    def engage(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return _json(404, {"errorCode": "ContactNotFound"})
        if sum(sent.method == "POST" for sent in fake.requests) == 1:
            raise httpx.ReadTimeout("slow")
        return _json(504, {"errorCode": "RequestTimeOut"})

    fake = Recorder(engage)
    with pytest.raises(EngageRetryableError) as caught:
        fake.client(retry=RetryPolicy(max_attempts=2, base_delay=0.01)).create_contact(
            {"email": EMAIL, "contactType": "member"}
        )
    assert [request.method for request in fake.requests] == ["POST", "GET", "POST"]
    assert (caught.value.status, caught.value.error_code) == (504, "RequestTimeOut")
    assert caught.value.earlier_attempt_maybe_applied


def test_create_contact_without_an_email_is_not_resent_blind() -> None:
    fake = Recorder(httpx.ReadTimeout("slow"))
    with pytest.raises(EngageRetryableError) as caught:
        fake.client().create_contact({"mobilePhone": "+46700000000"})
    assert caught.value.maybe_applied
    assert len(fake.requests) == 1


def test_update_sends_only_changed_non_empty_fields_and_nothing_when_nothing_changed() -> None:
    fake = Recorder(_json(200, {"id": "c"}))
    client = fake.client()
    sent = client.update_contact("c", {"firstName": "Ada", "lastName": "", "city": "Malmö"}, current={"city": "Malmö"})
    assert sent == ("firstName",)
    assert json.loads(fake.requests[0].content) == {"firstName": "Ada"}
    assert client.update_contact("c", {"firstName": None}) == ()
    assert len(fake.requests) == 1


def test_bulk_requests_hold_at_most_4000_contacts() -> None:
    fake = Recorder(lambda request: _json(202, f"batch-{len(json.loads(request.content))}"))
    batches = fake.client().bulk_update_contacts([{"email": f"c{i}@example.com"} for i in range(4001)])
    assert batches == ["batch-4000", "batch-1"]
    assert fake.requests[0].url.params["avoidTriggeringExport"] == "false"


def test_api_key_and_emails_stay_out_of_logs_and_errors() -> None:
    logger, buffer = _capturing_logger()
    fake = Recorder(
        httpx.ReadTimeout("slow"),
        _json(400, {"errorCode": "InvalidEmailAddress", "message": f"'{EMAIL}' is not a valid e-mail"}),
    )
    with pytest.raises(EngageValidationError) as caught:
        fake.client(logger=logger).find_contact_id(EMAIL)
    logged = buffer.getvalue()
    assert "engage_path" in logged and "/api/v3/contacts/id" in logged
    for secret in (API_KEY, EMAIL, "ada.lovelace"):
        assert secret not in logged
        assert secret not in str(caught.value)
        assert secret not in (caught.value.message or "")


def test_from_config_reads_the_key_from_secrets_manager_and_splits_the_budget() -> None:
    connection = EngageConnection.model_validate({"base_url": "https://t.voyado.com", "api_key_secret": "engage/key"})
    client = EngageClient.from_config(connection, requests_per_second=40, concurrent_containers=4)
    provider = client._session._api_key
    assert isinstance(provider, StoredEngageApiKey)
    assert provider.secret_name == "engage/key"
    limiter = client._session._rate_limiter
    assert isinstance(limiter, TokenBucket) and limiter.rate == container_share(40, 4)  # 10 a second, spaced for jitter


def test_imported_receipt_ids_page_through_a_contacts_transactions() -> None:
    fake = Recorder(
        _json(200, {"items": [{"id": "t1", "externalId": "189-1"}], "totalCount": 2, "offset": 0, "count": 1}),
        _json(200, {"items": [{"transactionNumber": "189-2"}], "totalCount": 2, "offset": 1, "count": 1}),
    )

    found = fake.client().imported_receipt_ids("c-1", page_size=1)

    assert {"189-1", "189-2"} <= found
    assert [request.url.path for request in fake.requests] == ["/api/v3/contacts/c-1/transactions"] * 2
    assert [dict(request.url.params)["offset"] for request in fake.requests] == ["0", "1"]


def test_a_budget_slot_is_taken_only_once_the_key_and_the_client_are_ready() -> None:
    """A slot is a moment to send in: reading the key or loading the CA bundle after taking it sends a slot late."""
    happened: list[str] = []

    def api_key() -> str:
        happened.append("key")
        return API_KEY

    class Budget:
        def acquire(self) -> float:
            happened.append("slot")
            return 0.0

        def may_send(self) -> bool:
            return True

    def engage(request: httpx.Request) -> httpx.Response:
        happened.append("sent")
        return _json(200, {"id": "c-1"})

    recorder = Recorder(engage)
    client = recorder.client(api_key=api_key, rate_limiter=Budget())

    client.find_contact_id(EMAIL)

    assert happened == ["key", "slot", "sent"]


class SlotsMissed:
    """A budget whose first ``missed`` slots have passed by the time their request reaches the transport."""

    def __init__(self, missed: int) -> None:
        self.missed = missed
        self.acquired = 0

    def acquire(self) -> float:
        self.acquired += 1
        return 0.0

    def may_send(self) -> bool:
        if self.missed:
            self.missed -= 1
            return False
        return True


def test_a_request_whose_slot_passed_before_it_left_is_not_sent_and_takes_the_next_slot() -> None:
    fake = Recorder(_json(200, {"id": "c-1"}))
    budget = SlotsMissed(missed=2)
    client = fake.client(rate_limiter=budget)

    assert client.find_contact_id(EMAIL) == "c-1"

    assert budget.acquired == 3
    assert len(fake.requests) == 1  # the two late ones never reached Engage
    assert fake.sleeps == []  # not a retry: nothing was sent, so nothing waits on a back-off


def test_a_container_that_keeps_missing_its_slots_hands_the_request_back_unsent() -> None:
    fake = Recorder(_json(200, {"id": "c-1"}))
    client = fake.client(rate_limiter=SlotsMissed(missed=1000), retry=RetryPolicy(max_attempts=1))

    with pytest.raises(EngageRetryableError) as raised:
        client.find_contact_id(EMAIL)

    assert fake.requests == []
    assert raised.value.maybe_applied is False
