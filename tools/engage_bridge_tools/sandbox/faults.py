"""Fault injection, reproducible from a seed.

Two sources, scripted first: ``ScriptedFault`` hits the next N matching requests exactly (what tests
use), ``FaultPlan`` draws one random number per Engage request from ``random.Random(seed)`` and maps it
onto the configured shares (what the demo and soak runs use). The same seed and the same request order
give the same faults.
"""

import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

FaultKind = Literal["status", "rate_limit", "slow", "timeout_after_effect", "drop_after_effect", "create_timeout"]
# Applied before the request reaches its handler: no effect. The *_after_effect kinds apply it first.
BEFORE_EFFECT: frozenset[str] = frozenset({"status", "rate_limit"})
# Engage's own create-contact timeout: 504 RequestTimeOut after about 5 s, rolled back (Voyado, timeout changes).
CREATE_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Fault:
    """What happens to one request."""

    kind: FaultKind
    status: int = 503
    retry_after: str | None = None  # Voyado documents no Retry-After; a test that wants one asks
    seconds: float = 0.0
    code: str | None = None  # errorCode of a status fault's body (e.g. ContactNotFound for a scripted 404)


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """Shares (0..1) of Engage requests that meet each fault, drawn from ``seed``."""

    seed: int = 0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 503)
    burst_rate: float = 0.0  # share of requests that start a run of 429s
    burst_length: int = 3
    retry_after: str | None = None
    slow_rate: float = 0.0
    slow_seconds: float = 0.5
    timeout_rate: float = 0.0  # effect applied, answer held back for timeout_seconds
    timeout_seconds: float = 65.0
    create_timeout_rate: float = 0.0  # share of contact creates that Engage times out (504, nothing created)
    create_timeout_seconds: float = CREATE_TIMEOUT_SECONDS

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "FaultPlan":
        known = {name: value for name, value in data.items() if name in cls.__dataclass_fields__}
        if "error_statuses" in known:
            known["error_statuses"] = tuple(int(status) for status in known["error_statuses"])
        return cls(**known)


@dataclass(frozen=True, slots=True)
class ScriptedFault:
    """``fault`` for the next ``times`` requests whose method and path (prefix) match."""

    fault: Fault
    method: str | None = None
    path: str | None = None
    times: int = 1

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ScriptedFault":
        fault_fields = {name: data[name] for name in Fault.__dataclass_fields__ if name in data}
        return cls(Fault(**fault_fields), data.get("method"), data.get("path"), int(data.get("times", 1)))

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (self.path is None or path.startswith(self.path))


@dataclass
class FaultInjector:
    plan: FaultPlan = field(default_factory=FaultPlan)
    _script: list[list[Any]] = field(default_factory=list)  # [ScriptedFault, remaining]
    _burst_left: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.plan.seed)  # noqa: S311 - reproducible faults, not secrets

    def configure(self, plan: FaultPlan) -> None:
        with self._lock:
            self.plan = plan
            self._rng = random.Random(plan.seed)  # noqa: S311 - reproducible faults, not secrets
            self._burst_left = 0

    def script(self, scripted: ScriptedFault) -> None:
        with self._lock:
            self._script.append([scripted, scripted.times])

    def clear(self) -> None:
        self.configure(FaultPlan())
        with self._lock:
            self._script.clear()

    def describe(self) -> dict[str, Any]:
        with self._lock:
            script = [{**asdict(entry[0]), "remaining": entry[1]} for entry in self._script]
            return {"plan": asdict(self.plan), "script": script}

    def decide(self, method: str, path: str, *, creates_contact: bool = False) -> Fault | None:
        with self._lock:
            for entry in self._script:
                scripted, remaining = entry
                if remaining > 0 and scripted.matches(method, path):
                    entry[1] -= 1
                    return scripted.fault  # type: ignore[no-any-return]
            return self._draw(creates_contact=creates_contact)

    def _draw(self, *, creates_contact: bool) -> Fault | None:  # noqa: PLR0911 - one return per fault kind
        plan = self.plan
        if self._burst_left > 0:
            self._burst_left -= 1
            return Fault("rate_limit", 429, plan.retry_after)
        if not (plan.error_rate or plan.burst_rate or plan.slow_rate or plan.timeout_rate or plan.create_timeout_rate):
            return None
        # One draw per request, laid over consecutive intervals of the shares.
        draw = self._rng.random()
        if draw < plan.error_rate:
            return Fault("status", self._rng.choice(plan.error_statuses))
        draw -= plan.error_rate
        if draw < plan.burst_rate:
            return self._start_burst()
        draw -= plan.burst_rate
        if draw < plan.slow_rate:
            return Fault("slow", seconds=plan.slow_seconds)
        draw -= plan.slow_rate
        if draw < plan.timeout_rate:
            return Fault("timeout_after_effect", seconds=plan.timeout_seconds)
        draw -= plan.timeout_rate
        if creates_contact and draw < plan.create_timeout_rate:
            return Fault("create_timeout", 504, seconds=plan.create_timeout_seconds)
        return None

    def _start_burst(self) -> Fault:
        self._burst_left = max(0, self.plan.burst_length - 1)
        return Fault("rate_limit", 429, self.plan.retry_after)
