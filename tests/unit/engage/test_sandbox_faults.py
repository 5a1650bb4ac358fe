"""Sandbox fault injection is reproducible from its seed and scripted faults come first."""

import time

from engage_bridge_tools.sandbox.app import SandboxApp
from engage_bridge_tools.sandbox.faults import Fault, FaultInjector, FaultPlan, ScriptedFault


def _sequence(plan: FaultPlan, count: int = 200) -> list[str | None]:
    injector = FaultInjector(plan)
    return [(fault.kind if (fault := injector.decide("POST", "/api/v3/receipts")) else None) for _ in range(count)]


def test_same_seed_same_faults_other_seed_other_faults() -> None:
    plan = FaultPlan(seed=42, error_rate=0.1, burst_rate=0.05, slow_rate=0.05, timeout_rate=0.05)
    assert _sequence(plan) == _sequence(plan)
    assert _sequence(plan) != _sequence(FaultPlan(seed=43, error_rate=0.1, burst_rate=0.05, slow_rate=0.05))


def test_shares_are_roughly_honoured() -> None:
    kinds = _sequence(FaultPlan(seed=1, error_rate=0.2), 2000)
    assert 300 < kinds.count("status") < 500
    assert set(kinds) == {None, "status"}


def test_a_burst_answers_429_for_its_whole_length() -> None:
    injector = FaultInjector(FaultPlan(seed=3, burst_rate=1.0, burst_length=3, retry_after="2"))
    faults = [injector.decide("GET", "/api/v3/contacts/id") for _ in range(3)]
    assert all(fault is not None and fault.status == 429 and fault.retry_after == "2" for fault in faults)


def test_scripted_faults_hit_only_matching_requests_and_only_so_often() -> None:
    injector = FaultInjector()
    injector.script(ScriptedFault(Fault("status", 500), method="POST", path="/api/v2/orders", times=2))
    assert injector.decide("GET", "/api/v2/orders") is None
    assert injector.decide("POST", "/api/v2/orders") == Fault("status", 500)
    assert injector.decide("POST", "/api/v2/orders") == Fault("status", 500)
    assert injector.decide("POST", "/api/v2/orders") is None


def test_plans_and_scripts_load_from_json() -> None:
    plan = FaultPlan.from_json({"seed": 9, "error_statuses": [502], "unknown": 1})
    assert plan.seed == 9 and plan.error_statuses == (502,)
    scripted = ScriptedFault.from_json({"kind": "rate_limit", "status": 429, "retry_after": "1", "times": 4})
    assert scripted.fault.kind == "rate_limit" and scripted.times == 4


def test_engages_create_timeout_is_drawn_only_for_contact_creates() -> None:
    plan = FaultPlan(seed=5, create_timeout_rate=1.0)
    creates = [FaultInjector(plan).decide("POST", "/api/v3/contacts", creates_contact=True) for _ in range(3)]
    assert creates == [Fault("create_timeout", 504, seconds=5.0)] * 3
    assert FaultInjector(plan).decide("POST", "/api/v3/receipts") is None


def test_no_retry_after_unless_asked_and_a_status_fault_can_carry_engages_code() -> None:
    burst = FaultInjector(FaultPlan(seed=3, burst_rate=1.0)).decide("GET", "/api/v3/contacts/id")
    assert burst is not None and burst.retry_after is None
    scripted = ScriptedFault.from_json({"kind": "status", "status": 404, "code": "ContactNotFound"})
    assert scripted.fault == Fault("status", 404, code="ContactNotFound")


def test_a_slow_answer_is_logged_when_the_request_arrived_not_when_it_was_answered() -> None:
    # The request log is what the budget checks count (a sliding second at arrival, like Engage's rate limit): a
    # slow answer stamped after its wait moved a request 0.4 s later and showed 17 requests in a second of 16.
    app = SandboxApp(api_key="k", rate_limit=None)
    app.faults.script(ScriptedFault(Fault("slow", seconds=0.3), method="GET", path="/api/v3/contacts/c1"))
    sent = time.monotonic()
    outcome = app.handle("GET", "/api/v3/contacts/c1", {"apikey": "k", "content-type": "application/json"}, b"")
    answered = time.monotonic()
    (logged,) = app.state.requests
    assert outcome.reply.status == 404 and answered - sent >= 0.3
    assert logged["at"] - sent < answered - logged["at"]  # nearer the arrival than the answer
