"""Containers: cold-started copies of a function's handler, each used by one invocation at a time.

Like Lambda, concurrent invocations run in separate containers, each with its own handler module and so its
own clients and rate limiter share. Unlike Lambda, they share one process, so the layer's modules (and the
Powertools logger and metrics) are shared; the local runtime's figures are per process, not per container.
"""

import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from engage_bridge_tools.local.context import LocalContext
from engage_bridge_tools.local.handlers import Handler, cold_start
from engage_bridge_tools.local.invocation_time import TimeShares, measure
from engage_bridge_tools.local.stack import LocalFunction


@dataclass
class InvocationStats:
    invocations: int = 0
    errors: int = 0
    cold_starts: int = 0
    billed_ms: float = 0.0
    time: TimeShares = field(default_factory=TimeShares)  # where billed_ms went (invocation_time)

    def as_dict(self) -> dict[str, Any]:
        return {
            "invocations": self.invocations,
            "errors": self.errors,
            "cold_starts": self.cold_starts,
            "duration_ms": round(self.billed_ms, 1),
            "time": self.time.as_dict(),
        }


@dataclass
class FunctionPool:
    """The warm containers of one function, up to its reserved concurrency."""

    function: LocalFunction
    extra_environment: Mapping[str, str]
    stats: InvocationStats = field(default_factory=InvocationStats)
    _idle: "queue.SimpleQueue[Handler]" = field(default_factory=queue.SimpleQueue)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _created: int = 0
    _active: int = 0

    @property
    def busy(self) -> bool:
        """An invocation is running (a queue message it is working on may not be visible in any queue)."""
        return self._active > 0

    @contextmanager
    def container(self) -> Iterator[Handler]:
        handler = self._warm_or_cold()
        try:
            yield handler
        finally:
            self._idle.put(handler)

    def _warm_or_cold(self) -> Handler:
        limit = self.function.reserved_concurrency
        while True:
            try:
                return self._idle.get_nowait()
            except queue.Empty:
                pass
            with self._lock:
                if limit is None or self._created < limit:
                    self._created += 1
                    index = self._created
                    break
            time.sleep(0.005)  # at its reserved concurrency: wait for a container to come back
        self.stats.cold_starts += 1
        variables = {**self.function.environment, **self.extra_environment}
        module_name = f"lambda_{self.function.code_dir.name}_{index}"
        try:
            return cold_start(self.function.code_dir, self.function.handler, module_name, variables)
        except BaseException:
            with self._lock:
                self._created -= 1  # Lambda discards a container whose init failed
            raise

    def invoke(self, event: dict[str, Any], on_error: Callable[[BaseException], None] | None = None) -> Any:
        """Run one invocation in a container. An exception is the function's error, re-raised to the trigger."""
        with self._lock:
            self._active += 1
        try:
            return self._invoke(event, on_error)
        finally:
            with self._lock:
                self._active -= 1

    def _invoke(self, event: dict[str, Any], on_error: Callable[[BaseException], None] | None) -> Any:
        with self.container() as handler:
            context = LocalContext(
                function_name=self.function.name,
                invoked_function_arn=self.function.arn,
                memory_limit_in_mb=self.function.memory_mb,
                timeout_seconds=self.function.timeout_seconds,
            )
            started = time.perf_counter()
            try:
                with measure() as shares:
                    return handler(event, context)
            except BaseException as error:
                with self._lock:
                    self.stats.errors += 1
                if on_error is not None:
                    on_error(error)
                raise
            finally:
                with self._lock:
                    self.stats.invocations += 1
                    self.stats.billed_ms += (time.perf_counter() - started) * 1000
                    self.stats.time.add(shares)
