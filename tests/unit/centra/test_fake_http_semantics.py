"""``POST /graphql`` handling without a socket: auth as Centra answers it, rate limiting, bad requests."""

import json

import pytest

from engage_bridge_tools.centra_fake.fake import DEFAULT_TOKEN, CentraFake
from engage_bridge_tools.centra_fake.rate_limit import RateLimit
from tests.unit.centra.fake_support import SteppingClock

QUERY = json.dumps({"query": "{ orders(limit: 1) { number } }"}).encode()


def test_a_bearer_token_is_accepted() -> None:
    response = CentraFake.from_file().handle_graphql(f"Bearer {DEFAULT_TOKEN}", None, QUERY)

    assert response.status == 200
    assert response.body["data"] == {"orders": [{"number": 1001}]}


def test_the_graphql_access_cookie_is_accepted() -> None:
    response = CentraFake.from_file().handle_graphql(None, f"theme=dark; graphql-access={DEFAULT_TOKEN}", QUERY)

    assert response.status == 200


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer wrong", f"Basic {DEFAULT_TOKEN}"])
def test_a_wrong_or_missing_token_is_an_authorization_error(authorization: str | None) -> None:
    response = CentraFake.from_file().handle_graphql(authorization, None, QUERY)

    assert response.status == 401
    assert response.body["errors"][0]["extensions"] == {"category": "authorization"}
    assert "data" not in response.body


def test_the_token_selects_the_integration_queue() -> None:
    fake = CentraFake.from_file(tokens={"token-a": "brand-a", "token-b": "brand-b"})
    listen = json.dumps(
        {"query": "mutation { setEventListeners(input: [{objectType: Order}]) { userErrors { message } } }"}
    )
    fake.handle_graphql("Bearer token-a", None, listen.encode())

    fake.cancel_order(1002)

    assert len(fake.pending_events("brand-a")) == 1
    assert fake.pending_events("brand-b") == []


def test_over_the_limit_answers_429_with_the_resume_timestamp() -> None:
    clock = SteppingClock()
    fake = CentraFake.from_file(clock=clock, rate_limit=RateLimit(requests=2, window_seconds=10))
    window_end = int(clock.now.timestamp()) // 10 * 10 + 10

    statuses = [fake.handle_graphql(f"Bearer {DEFAULT_TOKEN}", None, QUERY).status for _ in range(2)]
    limited = fake.handle_graphql(f"Bearer {DEFAULT_TOKEN}", None, QUERY)
    clock.advance(10)
    resumed = fake.handle_graphql(f"Bearer {DEFAULT_TOKEN}", None, QUERY)

    assert statuses == [200, 200]
    assert limited.status == 429
    assert limited.headers == {"Retry-After": str(window_end)}  # a timestamp, not a number of seconds
    assert resumed.status == 200


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'{"variables": {}}',
        b'{"query": 5}',
        b'{"query": "{ stores { id } }", "variables": []}',
    ],
)
def test_a_malformed_request_is_400(body: bytes) -> None:
    response = CentraFake.from_file().handle_graphql(f"Bearer {DEFAULT_TOKEN}", None, body)

    assert response.status == 400


def test_a_query_against_a_field_centra_lacks_fails_validation() -> None:
    body = json.dumps({"query": "{ orders { number markEventsAsProcessed } }"}).encode()

    response = CentraFake.from_file().handle_graphql(f"Bearer {DEFAULT_TOKEN}", None, body)

    assert response.status == 200
    assert response.body["data"] is None
    assert "Cannot query field 'markEventsAsProcessed'" in response.body["errors"][0]["message"]
