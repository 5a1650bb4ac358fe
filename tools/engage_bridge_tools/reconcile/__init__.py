"""``engage-bridge reconcile``: the reconciliation core (``engage_bridge.reconcile``) from a developer machine."""
