"""The Voyado Engage side: API paths, the client and its typed outcomes.

``engage.models`` (request bodies) lives next to this package's client but is not imported here, so the
client stays usable with any JSON-ready mapping.
"""

from engage_bridge.engage.api_key import SecretsManagerApiKey
from engage_bridge.engage.client import BULK_LIMIT, EngageClient
from engage_bridge.engage.outcomes import (
    EngageConflict,
    EngageError,
    EngageNotFound,
    EngageRetryableError,
    EngageUnauthorized,
    EngageUnexpectedResponse,
    EngageValidationError,
    ValidationIssue,
)
from engage_bridge.engage.rate_limit import TokenBucket
from engage_bridge.engage.retry import RetryPolicy

__all__ = [
    "BULK_LIMIT",
    "EngageClient",
    "EngageConflict",
    "EngageError",
    "EngageNotFound",
    "EngageRetryableError",
    "EngageUnauthorized",
    "EngageUnexpectedResponse",
    "EngageValidationError",
    "RetryPolicy",
    "SecretsManagerApiKey",
    "TokenBucket",
    "ValidationIssue",
]
