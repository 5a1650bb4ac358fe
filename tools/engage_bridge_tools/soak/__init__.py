"""``engage-bridge soak``: the demo's generated shop through the local runtime under injected faults (docs/soak.md)."""
