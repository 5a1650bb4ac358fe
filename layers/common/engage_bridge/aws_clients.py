"""AWS clients created on first use, not at cold start.

Creating a boto3 client loads its service model and endpoint rules: tens of milliseconds of a function's
initialisation each (bench ``cold_import``), and a client that only a rare path needs (the DLQ, a retry later,
the feed bucket) is often never used by a container at all. A ``LazyClient`` stands for ``boto3.client(service)``
until its first call; then it is that client for the rest of the container's life. A builder shares one
``LazyClient`` per service between its adapters, as it shared one client before.
"""

from collections.abc import Callable
from typing import Any

import boto3


class BuiltOnFirstUse:
    """Stands for the object ``build`` returns until an attribute is first asked of it; then it is that object.

    For parts a container may never use: an AWS client only a rare path calls, a service part a function's effect
    never touches (``wiring.build_services``), so their modules stay out of the cold start.
    """

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._built: Any = None

    @property
    def created(self) -> bool:
        return self._built is not None

    def __getattr__(self, name: str) -> Any:
        # Only reached for what the proxy itself lacks: the built object's own attributes.
        if self._built is None:
            self._built = self._build()
        return getattr(self._built, name)


class LazyClient(BuiltOnFirstUse):
    """``boto3.client(service_name)``, created on first attribute access and kept."""

    def __init__(self, service_name: str) -> None:
        super().__init__(lambda: boto3.client(service_name))  # type: ignore[call-overload]  # any service by name
        self.service_name = service_name

    def __repr__(self) -> str:
        return f"LazyClient({self.service_name!r}, created={self.created})"
