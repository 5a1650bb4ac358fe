"""``engage-bridge doctor``: the go-live preflight from a terminal (checks in ``engage_bridge.doctor``)."""
