"""Integration fixtures: a real Engage sandbox on a free loopback port, and a client aimed at it.

Tests using them must be marked ``@pytest.mark.integration`` (or ``pytestmark``): only those may open
loopback sockets (tests/conftest.py).

``engage_sandbox`` is an ``engage_bridge_tools.sandbox.EngageSandbox``:
- ``base_url``, ``api_key``;
- seeding: ``seed_contact(contact_type, **fields) -> id``, ``seed_promotion(...) -> assignment id``,
  ``seed_stock_level(sku, quantity, locale=, market=)``, ``set_tenant(order_statuses=, payment_statuses=,
  contact_types=)``;
- faults: ``script_fault(kind, method=, path=, times=, status=, retry_after=, seconds=)`` for exact ones,
  ``set_faults(FaultPlan(seed=..., error_rate=...))`` for seeded random ones;
- inspection: ``state()`` (full state, with ``requests``, the request log), ``requests(method, path)``,
  ``contacts_with_email(email)``, ``reset()``.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from engage_bridge.engage import EngageClient, RetryPolicy
from engage_bridge_tools.sandbox import EngageSandbox

EngageClientFactory = Callable[..., EngageClient]


@pytest.fixture
def engage_sandbox() -> Iterator[EngageSandbox]:
    """A fresh sandbox per test: Centra's default tenant tags, 200 requests/s per key, no faults."""
    with EngageSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def engage_client_factory(engage_sandbox: EngageSandbox) -> Iterator[EngageClientFactory]:
    """Build clients aimed at ``engage_sandbox``: no rate limiter, millisecond backoff; override anything."""
    made: list[EngageClient] = []

    def make(**overrides: Any) -> EngageClient:
        options: dict[str, Any] = {
            "requests_per_second": None,
            "retry": RetryPolicy(base_delay=0.001, max_delay=0.01),
            "user_agent": "test-brand/1.0",
        }
        options.update(overrides)
        client = EngageClient(engage_sandbox.base_url, options.pop("api_key", engage_sandbox.api_key), **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def engage_client(engage_client_factory: EngageClientFactory) -> EngageClient:
    return engage_client_factory()
