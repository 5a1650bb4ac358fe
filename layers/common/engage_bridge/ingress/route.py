"""Whether a webhook function's request is for its own route: a Lambda function URL passes on every request.

The HTTP API answered 404 itself for any method or path it did not declare; a function URL (AuthType NONE) hands
every request on its host to the function. So each webhook answers the same 404 for anything but its own
``POST`` path, before a secret is read, and such a request is not counted as a refused webhook (that alarm is for
a sender with the wrong secret, not for a scanner or a mistyped URL).
"""

import json
from collections.abc import Mapping
from typing import Any

NOT_FOUND: dict[str, Any] = {
    "statusCode": 404,
    "headers": {"Content-Type": "application/json"},
    "body": json.dumps({"message": "Not Found"}),
}


def on_route(event: Mapping[str, Any], method: str, path: str) -> bool:
    """True for a payload 2.0 event (function URL or HTTP API) of ``method`` on exactly ``path``."""
    http = (event.get("requestContext") or {}).get("http") or {}
    return http.get("method") == method and http.get("path", event.get("rawPath")) == path
