"""The two readers the checks use, and their HTTP implementations.

The checks see only ``Answer`` objects (status and parsed JSON body), so unit tests hand them scripted
answers without a socket. A request that gets no HTTP answer at all raises ``TenantUnreachable``; any answer,
401 and 500 included, is the check's to judge.
"""

import json
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx
from msgspec import Struct

from engage_bridge import __version__
from engage_bridge.centra.outcomes import parse_retry_after
from engage_bridge.doctor.report import TenantUnreachable

_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
# The doctor sends a few dozen Centra requests in a row; Centra's example budget is 20 per 10 s (rate limits).
_RATE_LIMITED_ATTEMPTS = 4
_LONGEST_WAIT_S = 15.0


class Answer(Struct, frozen=True):
    status: int
    body: Any  # parsed JSON, or None when the body was not JSON

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def error_code(self) -> str | None:
        """Engage's error code wherever the observed envelopes put it (engage-wave2.md §8)."""
        if not isinstance(self.body, dict):
            return None
        for key in ("errorCode", "code"):
            if isinstance(self.body.get(key), str):
                return str(self.body[key])
        errors = self.body.get("errors")
        if (
            isinstance(errors, list)
            and errors
            and isinstance(errors[0], dict)
            and isinstance(errors[0].get("code"), str)
        ):
            return str(errors[0]["code"])
        return None


class GraphQLEndpoint(Protocol):
    """Centra's Integration API: one POST per document."""

    def execute(self, document: str, variables: Mapping[str, Any] | None = None) -> Answer: ...


class EngageReader(Protocol):
    """Engage, GET only: the doctor never writes."""

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Answer: ...


def _user_agent(brand: str) -> str:
    return f"centra-engage-bridge/{__version__} {brand} doctor".strip()


def _answer(response: httpx.Response) -> Answer:
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        body = None
    return Answer(response.status_code, body)


class HttpGraphQL:
    """POSTs documents to a Centra GraphQL URL with the Integration API token as a bearer token."""

    def __init__(
        self,
        graphql_url: str,
        token: str,
        *,
        brand: str = "",
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._sleep = sleep
        self._http = httpx.Client(
            transport=transport,
            timeout=_TIMEOUT,
            follow_redirects=False,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": _user_agent(brand),
            },
        )
        self._url = graphql_url

    def execute(self, document: str, variables: Mapping[str, Any] | None = None) -> Answer:
        payload: dict[str, Any] = {"query": document}
        if variables:
            payload["variables"] = dict(variables)
        content = json.dumps(payload).encode()
        for _ in range(_RATE_LIMITED_ATTEMPTS):
            try:
                response = self._http.post(self._url, content=content)
            except httpx.HTTPError as error:
                raise TenantUnreachable("Centra", f"{self._url}: {type(error).__name__}") from None
            if response.status_code != 429:
                break
            # Centra's Retry-After holds the time at which requests may resume (rate limits page).
            wait = parse_retry_after(response.headers.get("Retry-After"))
            self._sleep(min(_LONGEST_WAIT_S, 1.0 if wait is None else wait + 0.1))
        return _answer(response)

    def close(self) -> None:
        self._http.close()


class HttpEngage:
    """GETs from an Engage tenant with the ``apikey`` header and the headers Voyado requires on every call."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        brand: str = "",
        transport: httpx.BaseTransport | None = None,
        pace: Callable[[], object] | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        # In the stack, a lease on the shared Engage budget before each GET: the daily run must not push a busy
        # second over the tenant's limit.
        self._pace = pace
        self._http = httpx.Client(
            base_url=self._base_url,
            transport=transport,
            timeout=_TIMEOUT,
            follow_redirects=False,
            headers={
                "apikey": api_key,
                # Engage answers 500 to any request without it, GET included (Voyado, API authentication).
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": _user_agent(brand),
            },
        )

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Answer:
        if self._pace is not None:
            self._pace()
        try:
            response = self._http.get(path, params=dict(params) if params else None)
        except httpx.HTTPError as error:
            raise TenantUnreachable("Engage", f"{self._base_url}: {type(error).__name__}") from None
        return _answer(response)

    def close(self) -> None:
        self._http.close()
