"""Typed outcomes carry what callers need and nothing personal."""

from engage_bridge.engage.outcomes import (
    EngageConflict,
    EngageRetryableError,
    EngageUnexpectedResponse,
    EngageValidationError,
    ValidationIssue,
    may_have_taken_effect,
    scrub,
)
from engage_bridge.pii import email_ref


def test_scrub_replaces_every_email_address_by_its_reference() -> None:
    text = "Specified email 'ada@example.com' is not valid; nor is <b.c@d.se>"
    scrubbed = scrub(text)
    assert "ada@example.com" not in scrubbed
    assert "b.c@d.se" not in scrubbed
    assert email_ref("ada@example.com") in scrubbed


def test_validation_error_names_codes_and_fields_in_its_message() -> None:
    issues = (ValidationIssue("InvalidOrderStatus", "OrderStatus", "bad"),)
    error = EngageValidationError("POST", "/api/v2/orders", 422, None, issues=issues, message="Order is not valid")
    assert str(error) == "Engage POST /api/v2/orders answered 422 (InvalidOrderStatus@OrderStatus)"
    assert error.issues == issues


def test_conflict_keeps_the_matching_contact_ids() -> None:
    error = EngageConflict("GET", "/api/v3/contacts/id", "MultipleMatches", ("a", "b"))
    assert error.matches == ("a", "b")
    assert "MultipleMatches" in str(error)


def test_only_a_refusal_or_a_request_never_sent_certainly_took_no_effect() -> None:
    def retryable(status: int | None, *, maybe_applied: bool) -> EngageRetryableError:
        return EngageRetryableError("POST", "/api/v3/contacts", status, None, maybe_applied=maybe_applied)

    certain = [
        retryable(429, maybe_applied=False),
        retryable(503, maybe_applied=False),
        retryable(None, maybe_applied=False),  # never left: no connection, no budget slot
        EngageValidationError("POST", "/api/v3/contacts", 400, "InvalidEmailAddress", issues=()),
        EngageConflict("POST", "/api/v3/contacts", "ApprovedContactWithKeyExists"),
    ]
    unknown = [
        retryable(None, maybe_applied=True),  # a read timeout, a dropped connection
        retryable(500, maybe_applied=True),
        EngageUnexpectedResponse("POST", "/api/v3/contacts", 201, None, "no contact id"),  # created, unreadable
        RuntimeError("not an answer from Engage"),
    ]
    earlier = EngageValidationError("POST", "/api/v3/contacts", 400, None, issues=())
    earlier.earlier_attempt_maybe_applied = True  # an earlier attempt of the same call went unanswered

    assert [may_have_taken_effect(error) for error in certain] == [False] * len(certain)
    assert [may_have_taken_effect(error) for error in [*unknown, earlier]] == [True] * (len(unknown) + 1)
