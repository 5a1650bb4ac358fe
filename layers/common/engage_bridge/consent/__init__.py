"""Consent: when ``acceptsEmail`` may be written to Engage, and the opt-outs the bridge keeps (docs/mapping.md)."""

from typing import TYPE_CHECKING

from engage_bridge.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from engage_bridge.consent.gate import ConsentGate as ConsentGate
    from engage_bridge.consent.gate import accepts_email as accepts_email
    from engage_bridge.consent.rules import ConsentRecord as ConsentRecord
    from engage_bridge.consent.rules import Decision as Decision
    from engage_bridge.consent.rules import Signal as Signal
    from engage_bridge.consent.rules import decide as decide
    from engage_bridge.consent.store import ConsentStore as ConsentStore
    from engage_bridge.consent.store import DynamoConsentStore as DynamoConsentStore

# Each name is imported from its own module on first use (PEP 562), so a function loads only the modules it
# reads, not every module of the package.
_HOMES = {
    "ConsentGate": "gate",
    "accepts_email": "gate",
    "ConsentRecord": "rules",
    "Decision": "rules",
    "Signal": "rules",
    "decide": "rules",
    "ConsentStore": "store",
    "DynamoConsentStore": "store",
}


__getattr__ = lazy_exports(__name__, _HOMES)


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
