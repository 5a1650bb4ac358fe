"""A local stand-in for the parts of Voyado Engage the bridge uses, over real HTTP on loopback.

A dev tool, not shipped in the Lambda layer. ``docs/sandbox.md`` lists each behaviour and its source.
"""

from engage_bridge_tools.sandbox.faults import Fault, FaultPlan, ScriptedFault
from engage_bridge_tools.sandbox.server import DEFAULT_API_KEY, EngageSandbox
from engage_bridge_tools.sandbox.state import Tenant

__all__ = ["DEFAULT_API_KEY", "EngageSandbox", "Fault", "FaultPlan", "ScriptedFault", "Tenant"]
