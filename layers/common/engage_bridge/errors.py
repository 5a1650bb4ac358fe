"""The bridge's own exception types.

Callers branch on these types, never on messages. No message carries PII: objects are named by their
Centra id or number, never by e-mail, name, phone or address.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engage_bridge.state import Effect


class BridgeError(Exception):
    """Base class for every error the bridge raises on purpose."""


class ConfigError(BridgeError):
    """The brand configuration is invalid; the message names the offending field."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"invalid brand configuration: {field}: {problem}")


class WebhookPayloadError(BridgeError):
    """The body is not a Centra Integration API webhook; ``location`` names the bad part."""

    def __init__(self, location: str, problem: str) -> None:
        self.location = location
        self.problem = problem
        super().__init__(f"malformed webhook body: {location}: {problem}")


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


class ContactCreationInProgress(BridgeError):
    """Another invocation (or Engage, for someone else) is creating this contact now; retried later, it is found."""

    def __init__(self, contact_type: str) -> None:
        super().__init__(f"a {contact_type} contact for this e-mail is being created by another invocation")


class EmailBelongsToAnotherContact(BridgeError):
    """A customer's new e-mail is already another Engage contact's: merging is a person's decision, not ours."""

    def __init__(self, customer_id: str) -> None:
        super().__init__(
            f"customer {customer_id} changed e-mail to an address another Engage contact already has; not merged:"
            " merge the two contacts in Engage (or correct the e-mail in Centra), then redrive"
        )


class PredecessorPending(BridgeError):
    """``effect`` must wait: the effect it follows has not reached Engage yet. Retried later, never dropped."""

    def __init__(self, effect: "Effect", waiting_for: "tuple[Effect, ...]") -> None:
        self.effect = effect
        self.waiting_for = waiting_for
        names = " or ".join(e.name for e in waiting_for)
        super().__init__(f"{effect.subject} {effect.name} waits for {names}")

    @property
    def waiting_for_keys(self) -> tuple[str, ...]:
        """The awaited effects' business keys (``order:<number>:<effect>``), as their dead-letter marks hold them."""
        return tuple(f"order:{e.subject.removeprefix('order#')}:{e.name}" for e in self.waiting_for)
