"""The Voyado Engage side: API paths, the client and its typed outcomes.

``engage.models`` (request bodies) lives next to this package's client but is not imported here, so the
client stays usable with any JSON-ready mapping.
"""

from typing import TYPE_CHECKING

from engage_bridge.engage import outcomes
from engage_bridge.engage.outcomes import *  # noqa: F403  (outcomes.__all__: the typed errors, no httpx behind them)
from engage_bridge.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from engage_bridge.engage.api_key import StoredEngageApiKey as StoredEngageApiKey
    from engage_bridge.engage.client import BULK_LIMIT as BULK_LIMIT
    from engage_bridge.engage.client import EngageClient as EngageClient
    from engage_bridge.engage.rate_limit import TokenBucket as TokenBucket
    from engage_bridge.engage.retry import RetryPolicy as RetryPolicy

# Imported on first use (PEP 562), each from its home: a module that needs only ``paths`` or ``outcomes`` (the
# router, through the consumer's error types) does not load the client and httpx at cold start.
_HOMES = {
    "StoredEngageApiKey": "api_key",
    "BULK_LIMIT": "client",
    "EngageClient": "client",
    "TokenBucket": "rate_limit",
    "RetryPolicy": "retry",
}


__getattr__ = lazy_exports(__name__, _HOMES)


__all__ = list(_HOMES) + outcomes.__all__
