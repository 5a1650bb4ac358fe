"""The one personal datum every contact needs: a usable e-mail address (never echoed in errors)."""

from engage_bridge.errors import MappingError


def require_email(object_kind: str, object_id: str, value: str | None, field: str = "email") -> str:
    email = (value or "").strip()
    if not email:
        raise MappingError(object_kind, object_id, field, "missing")
    local, _, domain = email.rpartition("@")
    if not local or "." not in domain or any(c.isspace() for c in email):
        raise MappingError(object_kind, object_id, field, "not an e-mail address")
    return email
