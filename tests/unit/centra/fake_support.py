"""Helpers shared by the Centra fake's unit tests."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from engage_bridge.centra.client import CentraClient
from engage_bridge.engage.retry import RetryPolicy
from engage_bridge_tools.centra_fake.fake import CentraFake


class SteppingClock:
    """A clock that only moves when told to, so timestamps in assertions are exact."""

    def __init__(self, start: datetime = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def data(fake: CentraFake, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    """Run a query that must succeed and return its ``data``."""
    response = fake.execute(query, variables, **kwargs)
    assert "errors" not in response, response["errors"]
    result: dict[str, Any] = response["data"]
    return result


class FakeCentraTransport(httpx.MockTransport):
    """The Centra fake behind the client's own HTTP layer, in-process (no socket): every request the client sends
    is answered by ``CentraFake.handle_graphql`` as the fake's server would, and kept by operation name."""

    def __init__(
        self, fake: CentraFake, rewrite: Callable[[str, dict[str, Any]], httpx.Response | None] | None = None
    ) -> None:
        super().__init__(self._answer)
        self.fake = fake
        self.operations: list[str] = []
        self.variables: list[dict[str, Any]] = []
        self._rewrite = rewrite

    def _answer(self, request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        operation = str(sent.get("operationName"))
        self.operations.append(operation)
        self.variables.append(sent.get("variables") or {})
        answer = self.fake.handle_graphql(request.headers.get("Authorization"), None, request.content)
        rewritten = self._rewrite(operation, answer.body) if self._rewrite is not None else None
        return rewritten or httpx.Response(answer.status, json=answer.body, headers=dict(answer.headers))


def client_of(transport: FakeCentraTransport, **kwargs: Any) -> CentraClient:
    return CentraClient(
        "https://tenant.centra.example/graphql",
        next(iter(transport.fake.tokens)),
        transport=transport,
        retry=RetryPolicy(max_attempts=2, base_delay=0.0, max_delay=0.0),
        sleep=lambda seconds: None,
        **kwargs,
    )
