"""The webhook receiver's side of the fuzz tests: the endpoint secret, a fixed clock, a recording queue."""

import base64
from collections.abc import Sequence
from typing import Any

from engage_bridge.messages import IngestEvent

SECRET = "fuzz-endpoint-secret"
NOW = 1_795_000_000
TOLERANCE = 300


class RecordingQueue:
    def __init__(self) -> None:
        self.events: list[IngestEvent] = []

    def put(self, events: Sequence[IngestEvent]) -> list[bool]:
        self.events.extend(events)
        return [True] * len(events)


def http_event(body: bytes, headers: dict[str, str], *, as_base64: bool) -> dict[str, Any]:
    """A function URL's event: base64 for form posts; plain text when the body is text and the flag is off."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/centra/webhook",
        "headers": headers,
        "body": base64.b64encode(body).decode() if as_base64 else body.decode("utf-8"),
        "isBase64Encoded": as_base64,
        "requestContext": {"http": {"method": "POST", "path": "/centra/webhook"}},
    }
