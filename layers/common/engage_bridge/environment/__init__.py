"""The variables every function of the stack is given, checked once at cold start.

A missing or malformed variable raises ``ConfigError`` naming it, before anything is processed.

Each kind of function's variables are in their own module (``function`` for what all share and the check,
``budget``, ``feature_switches``, ``consumer``, ``handler``), so a function defines only the environment classes it
parses: the reconciliation one of five, the backfill two, the router three (issue 18, cold start). The names
below are imported from there on first use.
"""

from typing import TYPE_CHECKING

from engage_bridge.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from engage_bridge.environment.budget import EngageBudgetEnvironment as EngageBudgetEnvironment
    from engage_bridge.environment.consumer import ConsumerEnvironment as ConsumerEnvironment
    from engage_bridge.environment.feature_switches import FeatureSwitchesEnvironment as FeatureSwitchesEnvironment
    from engage_bridge.environment.function import FunctionEnvironment as FunctionEnvironment
    from engage_bridge.environment.function import parse_environment as parse_environment
    from engage_bridge.environment.handler import HandlerEnvironment as HandlerEnvironment

# PEP 562: e.g. the reconciliation's environment does not define the Engage handlers' nor the router's.
_HOMES = {
    "ConsumerEnvironment": "consumer",
    "EngageBudgetEnvironment": "budget",
    "FeatureSwitchesEnvironment": "feature_switches",
    "FunctionEnvironment": "function",
    "HandlerEnvironment": "handler",
    "parse_environment": "function",
}


__getattr__ = lazy_exports(__name__, _HOMES)


__all__ = list(_HOMES)
