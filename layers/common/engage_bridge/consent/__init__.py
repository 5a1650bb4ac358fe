"""Consent: when ``acceptsEmail`` may be written to Engage, and the opt-outs the bridge keeps (docs/mapping.md)."""

from engage_bridge.consent.gate import ConsentGate, accepts_email
from engage_bridge.consent.rules import ConsentRecord, Decision, Signal, decide
from engage_bridge.consent.store import ConsentStore, DynamoConsentStore

__all__ = [
    "ConsentGate",
    "ConsentRecord",
    "ConsentStore",
    "Decision",
    "DynamoConsentStore",
    "Signal",
    "accepts_email",
    "decide",
]
