"""One name per Engage endpoint for a logged request: ids in the path replaced by the template's placeholder."""

# Path prefixes whose next segment is an id.
_ID_SEGMENTS = {"/api/v3/contacts/": "{contactId}", "/api/v3/promotion-assignments/": "{assignmentId}"}
_NOT_IDS = {"id", "bulk"}


def endpoint(method: str, path: str) -> str:
    """``POST /api/v3/contacts/{contactId}`` for ``POST /api/v3/contacts/abc``."""
    for prefix, placeholder in _ID_SEGMENTS.items():
        if path.startswith(prefix):
            segment, _, rest = path[len(prefix) :].partition("/")
            if segment and segment not in _NOT_IDS:
                path = prefix + placeholder + (f"/{rest}" if rest else "")
    return f"{method} {path}"
