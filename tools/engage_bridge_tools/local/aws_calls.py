"""Count every AWS API call made through boto3 in this process (handlers and the runtime's own polling).

The counts feed the cost model: SQS requests, DynamoDB reads and writes. Powertools' parameter and secret
providers build clients from sessions of their own, so Secrets Manager and SSM reads are not counted here.
"""

import threading
from collections import Counter
from typing import Any

import boto3


class AwsCallCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._session: Any = None

    def install(self) -> None:
        """Hook the default boto3 session, which ``boto3.client(...)`` in every handler uses."""
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        self._session = boto3.DEFAULT_SESSION
        self._session.events.register("before-call", self._count)

    def uninstall(self) -> None:
        if self._session is not None:
            self._session.events.unregister("before-call", self._count)
            self._session = None

    def _count(self, model: Any, **_: Any) -> None:
        with self._lock:
            self._counts[f"{model.service_model.service_name}:{model.name}"] += 1

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._counts.items()))
