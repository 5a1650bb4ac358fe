"""Typed outcomes carry what callers need and nothing personal."""

from engage_bridge.engage.outcomes import EngageConflict, EngageValidationError, ValidationIssue, scrub
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
