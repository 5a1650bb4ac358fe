"""The soak's log scan finds e-mail addresses, phone numbers and secrets, and says where without saying what."""

from engage_bridge_tools.soak.log_scan import scan_log


def test_addresses_and_international_numbers_are_found_by_pattern() -> None:
    lines = [
        '{"message": "engage call", "engage_path": "/api/v3/contacts/id"}',
        '{"message": "found", "who": "Anna.Berg+shop@example.co.uk"}',
        "customer phone +46 70 123 45 67 updated",
        '{"phone": "+4670123456"}',
    ]

    hits = scan_log(lines)

    assert [(hit.line, hit.kind) for hit in hits] == [(2, "email"), (3, "phone"), (4, "phone")]
    assert "example" not in str(hits[0])


def test_the_runs_own_values_are_found_literally_even_where_no_pattern_matches() -> None:
    lines = [
        "contact ANNA@EXAMPLE.COM",  # the pattern finds it too; the literal check ignores case
        "sms to 46701234567",  # digits only: no "+", no pattern hit
        "key=sk-live-123 token centra-fake-token",
        "order 10001 took 4670123 ms",  # shorter than the known number: not it
    ]

    hits = scan_log(
        lines, secrets=["sk-live-123", "centra-fake-token"], emails=["anna@example.com"], phones=["+46701234567"]
    )

    assert [(hit.line, hit.kind) for hit in hits] == [
        (1, "email"),
        (1, "known_email"),
        (2, "known_phone"),
        (3, "secret"),
    ]


def test_timestamps_ids_and_numbers_are_not_mistaken_for_phones() -> None:
    lines = [
        '{"timestamp": "2026-11-23 16:43:40,123+0000", "level": "INFO"}',
        '{"order": 10001, "latency_ms": 12.5, "id": "3f2a9c1e-77aa-4bde-9c1e-1234567890ab"}',
        "TRK-10001-2 shipped, total +49.00 EUR",
    ]

    assert scan_log(lines) == []
