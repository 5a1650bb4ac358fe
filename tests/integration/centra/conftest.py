"""The ``centra_fake`` fixture: the Centra fake serving the sample shop on 127.0.0.1, one per test."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from engage_bridge_tools.centra_fake.fake import DEFAULT_TOKEN, SAMPLE_SHOP, CentraFake
from engage_bridge_tools.centra_fake.server import RunningCentraFake


@dataclass
class CentraFakeHandle:
    """What a test needs: the in-process fake (shop actions, inspection) and how to reach it over HTTP."""

    fake: CentraFake
    url: str
    token: str

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def query(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> httpx.Response:
        return httpx.post(
            self.graphql_url,
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token or self.token}"},
        )


CentraFakeFactory = Callable[..., CentraFakeHandle]


@pytest.fixture
def centra_fake_factory() -> Iterator[CentraFakeFactory]:
    """Start fakes with ``CentraFake`` options (tokens, clock, rate_limit, webhook, ...); all stop at teardown."""
    running: list[RunningCentraFake] = []

    def start(shop: Path = SAMPLE_SHOP, **options: Any) -> CentraFakeHandle:
        fake = CentraFake.from_file(shop, **options)
        server = RunningCentraFake(fake).start()
        running.append(server)
        return CentraFakeHandle(fake=fake, url=server.url, token=next(iter(fake.tokens), DEFAULT_TOKEN))

    yield start
    for server in running:
        server.stop()


@pytest.fixture
def centra_fake(centra_fake_factory: CentraFakeFactory) -> CentraFakeHandle:
    """The sample shop served on 127.0.0.1 with the default token and integration name."""
    return centra_fake_factory()
