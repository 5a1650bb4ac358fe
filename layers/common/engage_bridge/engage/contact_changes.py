"""What a contact update may send: only changed, non-empty fields.

Engage writes every field present in a PATCH, and ``null`` or ``""`` blank the stored value (Voyado,
update contact; seed 002: "Never include fields with empty values in your update payload"). So the bridge
drops empty values instead of sending them, and drops values Engage already holds.
"""

from collections.abc import Mapping
from typing import Any


def is_empty(value: object) -> bool:
    """None, a blank string, or a container with nothing non-empty inside."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping):
        return all(is_empty(item) for item in value.values())
    if isinstance(value, list | tuple):
        return len(value) == 0
    return False


def changed_fields(changes: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The part of ``changes`` worth sending: non-empty and different from ``current`` (nested maps too)."""
    payload: dict[str, Any] = {}
    for name, value in changes.items():
        if is_empty(value):
            continue
        held = None if current is None else current.get(name)
        if isinstance(value, Mapping):
            nested = changed_fields(value, held if isinstance(held, Mapping) else None)
            if nested:
                payload[name] = nested
        elif current is None or not _same(value, held):
            payload[name] = value
    return payload


def _same(new: object, held: object) -> bool:
    # Exact comparison (names are case-sensitive), but surrounding whitespace is never worth a write.
    if isinstance(new, str) and isinstance(held, str):
        return new.strip() == held.strip()
    return new == held
