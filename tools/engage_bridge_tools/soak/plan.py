"""What a soak run injects, and the brand configuration it runs with.

The Engage client's timeouts are shortened (the brand configuration's ``engage.timeouts``) so a sandbox answer
held back ``timeout_seconds`` really is a client timeout *after* the effect, without each one costing the run
the 30 s of the default. A redeem keeps its 60 s minimum (Voyado: point of no return): there the held-back
answer is only slow.
"""

import json
from dataclasses import asdict, dataclass
from typing import Any

from engage_bridge_tools.demo.consent import write_opt_outs_to_centra
from engage_bridge_tools.demo.scenario import DEMO_CONFIG_PATH
from engage_bridge_tools.local.delivery_faults import DeliveryFaults
from engage_bridge_tools.sandbox.faults import FaultPlan

SOAK_TIMEOUTS = {"connect": 1.0, "default": 2.0, "create_contact": 2.0, "redeem": 60.0}


@dataclass(frozen=True)
class SoakPlan:
    orders: int = 1000
    seed: int = 11
    # The stack's EngageRequestsPerSecond, the budget the run must keep, shared by every container through the state
    # table (engage_bridge.engage.budget): low enough that the limiter binds when a phase starts.
    requests_per_second: float = 16
    time_scale: float = 0.01
    # A failed record returns after 30 s rather than the scaled 4 s: five receives then span the 120 s a contact-
    # creation claim of a failed creator blocks its customer's other effects (in AWS they are 360 s apart).
    retry_floor_seconds: int = 30
    # Engage sandbox, per request
    error_share: float = 0.03  # 500 / 503, before the effect
    burst_share: float = 0.01  # starts a run of burst_length 429s
    burst_length: int = 3
    slow_share: float = 0.03
    slow_seconds: float = 0.4
    timeout_share: float = 0.02  # effect applied, answer held back past the client's timeout
    timeout_seconds: float = 3.0
    # SQS, per message or invocation
    duplicate_share: float = 0.1
    shuffle: bool = True
    crash_share: float = 0.05
    # Centra
    webhook_drop_share: float = 0.2
    repeat_share: float = 0.1

    def engage_faults(self) -> FaultPlan:
        return FaultPlan(
            seed=self.seed,
            error_rate=self.error_share,
            burst_rate=self.burst_share,
            burst_length=self.burst_length,
            slow_rate=self.slow_share,
            slow_seconds=self.slow_seconds,
            timeout_rate=self.timeout_share,
            timeout_seconds=self.timeout_seconds,
        )

    def delivery_faults(self) -> DeliveryFaults:
        return DeliveryFaults(
            seed=self.seed, duplicate_share=self.duplicate_share, shuffle=self.shuffle, crash_share=self.crash_share
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def soak_config_document() -> dict[str, Any]:
    """The demo's brand configuration with the soak's client timeouts, opt-outs written to Centra as in the demo."""
    document: dict[str, Any] = json.loads(DEMO_CONFIG_PATH.read_text(encoding="utf-8"))
    document["engage"] = {**document["engage"], "timeouts": dict(SOAK_TIMEOUTS)}
    return write_opt_outs_to_centra(document)
