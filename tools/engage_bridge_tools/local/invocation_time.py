"""Where an invocation's wall time goes: its own CPU, AWS calls, HTTP requests, sleeps, and the rest.

Lambda bills an invocation's wall time. Locally every container shares one interpreter with the emulators, so
part of that wall time is waiting for the interpreter lock, which Lambda's separate containers do not have. To
price duration honestly the runtime splits each invocation (in the thread that runs it) into:

- ``cpu_ms``: the thread's CPU time (``time.thread_time``), whatever it was doing;
- ``aws_calls`` / ``aws_ms`` / ``aws_cpu_ms``: boto3 calls (moto answers them in this thread, so their CPU is
  moto's work as well as botocore's), by service;
- ``http_requests`` / ``http_ms`` / ``http_cpu_ms``: httpx requests (the Engage sandbox, the Centra fake), by
  host and port, each answered by another thread;
- ``slept_ms``: ``time.sleep`` in the invocation (an Engage budget slot, a retry's back-off);
- whatever is left of ``wall_ms`` is waiting to run: the interpreter lock and the machine's scheduler.

``bench/aws_cost.py`` prices the estimate built from these (``estimated_duration_ms``) beside the local wall time.
The hooks are process-wide while installed (``install``/``uninstall``, once per local session) and record only in
a thread that is running an invocation (``measure``).
"""

import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, SupportsIndex

import httpx
from botocore import handlers

_BEFORE, _AFTER = "before-call", "after-call"
_STARTED = "engage_bridge_tools.invocation_time"  # key in botocore's per-request context
_ORIGINAL_SLEEP = time.sleep
_ORIGINAL_SEND = httpx.HTTPTransport.handle_request
_HOST_NAMES: dict[str, str] = {}  # host:port -> "engage" / "centra" (InvocationClock.name)
# label -> when each of the invocations' requests to it was handed to the transport (time.monotonic, the clock of the
# sandbox's arrival stamps); InvocationClock.sent_at
_SENT: dict[str, list[float]] = {}


@dataclass
class TimeShares:
    """The split of one invocation, or the sum over many."""

    wall_ms: float = 0.0
    cpu_ms: float = 0.0
    aws_ms: float = 0.0
    aws_cpu_ms: float = 0.0
    http_ms: float = 0.0
    http_cpu_ms: float = 0.0
    slept_ms: float = 0.0
    sleeps: int = 0
    aws_calls: Counter[str] = field(default_factory=Counter)  # service -> calls
    http_requests: Counter[str] = field(default_factory=Counter)  # "engage", "centra" or host:port -> requests
    slept_by: dict[str, float] = field(default_factory=dict)  # the sleeping function (qualified name) -> ms

    @property
    def own_cpu_ms(self) -> float:
        """CPU outside AWS calls and HTTP requests: the handler's and the layer's own work."""
        return max(0.0, self.cpu_ms - self.aws_cpu_ms - self.http_cpu_ms)

    @property
    def waiting_ms(self) -> float:
        """Wall time in none of the measured parts: waiting for the interpreter lock or a core."""
        measured = self.own_cpu_ms + self.aws_ms + self.http_ms + self.slept_ms
        return max(0.0, self.wall_ms - measured)

    def add(self, other: "TimeShares") -> None:
        for name in ("wall_ms", "cpu_ms", "aws_ms", "aws_cpu_ms", "http_ms", "http_cpu_ms", "slept_ms", "sleeps"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.aws_calls.update(other.aws_calls)
        self.http_requests.update(other.http_requests)
        for caller, ms in other.slept_by.items():
            self.slept_by[caller] = self.slept_by.get(caller, 0.0) + ms

    def as_dict(self) -> dict[str, Any]:
        return {
            "wall_ms": round(self.wall_ms, 1),
            "cpu_ms": round(self.cpu_ms, 1),
            "own_cpu_ms": round(self.own_cpu_ms, 1),
            "aws_ms": round(self.aws_ms, 1),
            "aws_cpu_ms": round(self.aws_cpu_ms, 1),
            "http_ms": round(self.http_ms, 1),
            "http_cpu_ms": round(self.http_cpu_ms, 1),
            "slept_ms": round(self.slept_ms, 1),
            "sleeps": self.sleeps,
            "waiting_ms": round(self.waiting_ms, 1),
            "aws_calls": dict(sorted(self.aws_calls.items())),
            "http_requests": dict(sorted(self.http_requests.items())),
            "slept_ms_by_caller": {name: round(ms, 1) for name, ms in sorted(self.slept_by.items())},
        }


_current = threading.local()


def _record() -> TimeShares | None:
    return getattr(_current, "shares", None)


@contextmanager
def measure() -> Iterator[TimeShares]:
    """Split the wall time of the block (one invocation, in this thread) into ``TimeShares``."""
    shares = TimeShares()
    _current.shares = shares
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        yield shares
    finally:
        shares.wall_ms = (time.perf_counter() - wall) * 1000
        shares.cpu_ms = (time.thread_time() - cpu) * 1000
        _current.shares = None


def _sleep(seconds: float | SupportsIndex) -> None:
    shares = _record()
    if shares is None:
        _ORIGINAL_SLEEP(seconds)
        return
    caller = sys._getframe(1).f_code.co_qualname  # which wait it was: budget, limiter, back-off
    started = time.perf_counter()
    try:
        _ORIGINAL_SLEEP(seconds)
    finally:
        slept = (time.perf_counter() - started) * 1000
        shares.slept_ms += slept
        shares.sleeps += 1
        shares.slept_by[caller] = shares.slept_by.get(caller, 0.0) + slept


def _send(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
    shares = _record()
    if shares is None:
        return _ORIGINAL_SEND(self, request)
    host = f"{request.url.host}:{request.url.port}"
    label = _HOST_NAMES.get(host, host)
    _SENT.setdefault(label, []).append(time.monotonic())  # list.append is atomic: threads need no lock
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        return _ORIGINAL_SEND(self, request)
    finally:
        shares.http_ms += (time.perf_counter() - wall) * 1000
        shares.http_cpu_ms += (time.thread_time() - cpu) * 1000
        shares.http_requests[label] += 1


def _before_call(context: dict[str, Any] | None = None, **_: Any) -> None:
    if context is not None and _record() is not None:
        context[_STARTED] = (time.perf_counter(), time.thread_time())


def _after_call(model: Any, context: dict[str, Any] | None = None, **_: Any) -> None:
    shares = _record()
    started = context.pop(_STARTED, None) if context is not None else None
    if shares is None or started is None:
        return
    wall, cpu = started
    shares.aws_ms += (time.perf_counter() - wall) * 1000
    shares.aws_cpu_ms += (time.thread_time() - cpu) * 1000
    shares.aws_calls[model.service_model.service_name] += 1


class InvocationClock:
    """The process-wide hooks ``measure`` needs: botocore's call events, httpx's transport and ``time.sleep``.

    ``time.sleep`` is replaced in the ``time`` module and wherever an ``engage_bridge`` function already took it
    as a default argument (``sleep=time.sleep``: the budget, the rate limiter, the clients' back-off), since a
    default is bound when the module is imported.
    """

    def __init__(self) -> None:
        self._hooks = ((_BEFORE, _before_call), (_AFTER, _after_call))
        self._defaults: list[tuple[Any, str, Any]] = []
        self._session: Any = None

    def install(self, session: Any) -> None:
        """Hook ``session`` (boto3's default session) and every botocore session created from now on."""
        self._session = session
        _SENT.clear()
        for event, hook in self._hooks:
            session.events.register(event, hook)
            handlers.BUILTIN_HANDLERS.append((event, hook))
        httpx.HTTPTransport.handle_request = _send  # type: ignore[method-assign]
        time.sleep = _sleep
        self._defaults = _replace_defaults(_ORIGINAL_SLEEP, _sleep)

    def name(self, url: str, label: str) -> None:
        """Count HTTP requests to ``url``'s host and port under ``label`` (``engage``, ``centra``)."""
        parsed = httpx.URL(url)
        _HOST_NAMES[f"{parsed.host}:{parsed.port}"] = label

    def sent_at(self, label: str) -> list[float]:
        """When each request an invocation made to ``label``'s host was handed to the HTTP transport (monotonic):
        after the Engage session's last look at its budget slot, the moment the bridge lets it go."""
        return sorted(_SENT.get(label, ()))

    def uninstall(self) -> None:
        _HOST_NAMES.clear()
        _SENT.clear()
        for event, hook in self._hooks:
            if (event, hook) in handlers.BUILTIN_HANDLERS:
                handlers.BUILTIN_HANDLERS.remove((event, hook))
            if self._session is not None:
                self._session.events.unregister(event, hook)
        self._session = None
        httpx.HTTPTransport.handle_request = _ORIGINAL_SEND  # type: ignore[method-assign]
        time.sleep = _ORIGINAL_SLEEP
        for function, attribute, defaults in self._defaults:
            setattr(function, attribute, defaults)
        self._defaults = []


def _replace_defaults(old: Callable[..., None], new: Callable[..., None]) -> list[tuple[Any, str, Any]]:
    """Put ``new`` wherever a function of an ``engage_bridge`` module has ``old`` as a default; return the undo."""
    undo: list[tuple[Any, str, Any]] = []
    for name, module in list(sys.modules.items()):
        if not (name == "engage_bridge" or name.startswith("engage_bridge.")) or module is None:
            continue
        for function in _functions_of(list(vars(module).values())):
            if function.__defaults__ and any(value is old for value in function.__defaults__):
                undo.append((function, "__defaults__", function.__defaults__))
                function.__defaults__ = tuple(new if value is old else value for value in function.__defaults__)
            if function.__kwdefaults__ and any(value is old for value in function.__kwdefaults__.values()):
                undo.append((function, "__kwdefaults__", function.__kwdefaults__))
                function.__kwdefaults__ = {
                    key: new if value is old else value for key, value in function.__kwdefaults__.items()
                }
    return undo


def _functions_of(values: Any) -> Iterator[Any]:
    for value in values:
        if isinstance(value, type):
            yield from (member for member in list(vars(value).values()) if hasattr(member, "__kwdefaults__"))
        elif hasattr(value, "__kwdefaults__") and hasattr(value, "__defaults__"):
            yield value
