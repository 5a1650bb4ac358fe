"""AWS clients created on first use, not at cold start.

Creating a boto3 client loads its service model and endpoint rules: tens of milliseconds of a function's
initialisation each (bench ``cold_import``), and a client that only a rare path needs (the DLQ, a retry later,
the feed bucket) is often never used by a container at all. A ``LazyClient`` stands for ``boto3.client(service)``
until its first call; then it is that client for the rest of the container's life. A builder shares one
``LazyClient`` per service between its adapters, as it shared one client before.
"""

from typing import Any

import boto3


class LazyClient:
    """``boto3.client(service_name)``, created on first attribute access and kept."""

    def __init__(self, service_name: str) -> None:
        self.service_name = service_name
        self._client: Any = None

    @property
    def created(self) -> bool:
        return self._client is not None

    def __getattr__(self, name: str) -> Any:
        # Only reached for what the proxy itself lacks: the client's operations, ``meta``, ``exceptions``.
        if self._client is None:
            self._client = boto3.client(self.service_name)  # type: ignore[call-overload]  # any service by name
        return getattr(self._client, name)

    def __repr__(self) -> str:
        return f"LazyClient({self.service_name!r}, created={self.created})"
