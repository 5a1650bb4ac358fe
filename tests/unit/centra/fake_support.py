"""Helpers shared by the Centra fake's unit tests."""

from datetime import UTC, datetime, timedelta
from typing import Any

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
