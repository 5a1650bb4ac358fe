"""The bridge's own exception types.

Callers branch on these types, never on messages. No message carries PII: objects are named by their
Centra id or number, never by e-mail, name, phone or address.
"""


class BridgeError(Exception):
    """Base class for every error the bridge raises on purpose."""


class ConfigError(BridgeError):
    """The brand configuration is invalid; the message names the offending field."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"invalid brand configuration: {field}: {problem}")


class MappingError(BridgeError):
    """A Centra object cannot be turned into an Engage request.

    Permanent by nature: retrying the same object gives the same error, so it belongs in a DLQ with
    ``reason`` until someone fixes the data or the configuration.
    """

    def __init__(self, object_kind: str, object_id: str, field: str, reason: str) -> None:
        self.object_kind = object_kind
        self.object_id = object_id
        self.field = field
        self.reason = reason
        super().__init__(f"cannot map {object_kind} {object_id}: {field}: {reason}")
