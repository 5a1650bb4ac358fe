"""X-Centra-Signature: Centra's documented vector, every refusal reason, rotation, and tamper resistance."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from engage_bridge.centra.webhook_signature import (
    SignatureRefusal,
    WebhookSignatureError,
    compute_signature,
    parse_signature_header,
    signature_header,
    verify_signature,
)

# Centra's webhook plugin documentation, section "Signature".
DOC_SECRET = "test123"
DOC_TIMESTAMP = 12345678
DOC_BODY = b"payload=%7B%22x%22%3A%22test%22%7D"
DOC_V1 = "0b9cd84f5d583e5e1aadfb9f160aa8080b51d5b85ff85808d6b75bdac356c549"
DOC_HEADER = f"t={DOC_TIMESTAMP},v1={DOC_V1}"


def _refusal(body: bytes, header: str | None, secrets: list[str], now: int, **kwargs: int) -> SignatureRefusal:
    with pytest.raises(WebhookSignatureError) as caught:
        verify_signature(body, header, secrets, now=now, **kwargs)
    return caught.value.reason


def test_centra_documented_example_verifies() -> None:
    assert compute_signature(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY) == DOC_V1

    verified = verify_signature(DOC_BODY, DOC_HEADER, [DOC_SECRET], now=DOC_TIMESTAMP + 10)

    assert verified.timestamp == DOC_TIMESTAMP
    assert verified.secret_index == 0


def test_header_parts_may_be_spaced_reordered_and_uppercase() -> None:
    header = f" v1={DOC_V1.upper()} , t={DOC_TIMESTAMP} "

    assert verify_signature(DOC_BODY, header, [DOC_SECRET], now=DOC_TIMESTAMP).secret_index == 0


def test_any_of_several_v1_values_may_match() -> None:
    header = f"t={DOC_TIMESTAMP},v1={'0' * 64},v1={DOC_V1}"

    assert verify_signature(DOC_BODY, header, [DOC_SECRET], now=DOC_TIMESTAMP).timestamp == DOC_TIMESTAMP


def test_rotation_accepts_either_secret_and_reports_which() -> None:
    old_signed = signature_header("old-secret", DOC_TIMESTAMP, DOC_BODY)
    new_signed = signature_header("new-secret", DOC_TIMESTAMP, DOC_BODY)
    secrets = ["new-secret", "old-secret"]

    assert verify_signature(DOC_BODY, new_signed, secrets, now=DOC_TIMESTAMP).secret_index == 0
    assert verify_signature(DOC_BODY, old_signed, secrets, now=DOC_TIMESTAMP).secret_index == 1
    assert _refusal(DOC_BODY, old_signed, ["new-secret"], DOC_TIMESTAMP) is SignatureRefusal.BAD_SIGNATURE


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header(header: str | None) -> None:
    assert _refusal(DOC_BODY, header, [DOC_SECRET], DOC_TIMESTAMP) is SignatureRefusal.MISSING_HEADER


@pytest.mark.parametrize(
    "header",
    [
        DOC_V1,
        f"v1={DOC_V1}",
        f"t=,v1={DOC_V1}",
        f"t=-5,v1={DOC_V1}",
        f"t=12.5,v1={DOC_V1}",
        f"t=1,t=2,v1={DOC_V1}",
        f"t={DOC_TIMESTAMP}",
        f"t={DOC_TIMESTAMP},v1=abc",
        f"t={DOC_TIMESTAMP},v1={'g' * 64}",
        f"t={DOC_TIMESTAMP};v1={DOC_V1}",
    ],
)
def test_malformed_header(header: str) -> None:
    assert _refusal(DOC_BODY, header, [DOC_SECRET], DOC_TIMESTAMP) is SignatureRefusal.MALFORMED_HEADER


def test_unknown_schemes_are_ignored() -> None:
    parsed = parse_signature_header(f"t={DOC_TIMESTAMP},v0=whatever,v1={DOC_V1}")

    assert parsed.signatures == (DOC_V1,)


def test_replay_window_edges() -> None:
    window = 300
    assert verify_signature(DOC_BODY, DOC_HEADER, [DOC_SECRET], now=DOC_TIMESTAMP + window).timestamp == DOC_TIMESTAMP
    assert verify_signature(DOC_BODY, DOC_HEADER, [DOC_SECRET], now=DOC_TIMESTAMP - window).timestamp == DOC_TIMESTAMP
    assert _refusal(DOC_BODY, DOC_HEADER, [DOC_SECRET], DOC_TIMESTAMP + window + 1) is SignatureRefusal.STALE_TIMESTAMP
    assert _refusal(DOC_BODY, DOC_HEADER, [DOC_SECRET], DOC_TIMESTAMP - window - 1) is SignatureRefusal.FUTURE_TIMESTAMP


def test_window_is_configurable() -> None:
    now = DOC_TIMESTAMP + 30
    refusal = _refusal(DOC_BODY, DOC_HEADER, [DOC_SECRET], now, tolerance_seconds=10)

    assert refusal is SignatureRefusal.STALE_TIMESTAMP


def test_a_stale_timestamp_is_refused_even_with_a_valid_signature() -> None:
    # Replay protection must not depend on the signature being wrong.
    assert _refusal(DOC_BODY, DOC_HEADER, [DOC_SECRET], 2_000_000_000) is SignatureRefusal.STALE_TIMESTAMP


def test_messages_never_contain_the_secret_or_the_digest() -> None:
    secret = "s3cr3t-value"
    header = signature_header("other", DOC_TIMESTAMP, DOC_BODY)
    with pytest.raises(WebhookSignatureError) as caught:
        verify_signature(DOC_BODY, header, [secret], now=DOC_TIMESTAMP)

    message = str(caught.value)
    assert secret not in message
    assert compute_signature(secret, DOC_TIMESTAMP, DOC_BODY) not in message
    assert header.split("v1=")[1] not in message


@pytest.mark.parametrize("secrets", [[], [""]])
def test_no_usable_secret_is_a_programming_error(secrets: list[str]) -> None:
    with pytest.raises(ValueError, match="secret"):
        verify_signature(DOC_BODY, DOC_HEADER, secrets, now=DOC_TIMESTAMP)


_secrets = st.text(min_size=1, max_size=40)
_bodies = st.binary(max_size=200)
_timestamps = st.integers(min_value=0, max_value=10**11)


@given(secret=_secrets, body=_bodies, timestamp=_timestamps)
def test_what_is_signed_verifies(secret: str, body: bytes, timestamp: int) -> None:
    header = signature_header(secret, timestamp, body)

    assert verify_signature(body, header, [secret], now=timestamp).timestamp == timestamp


@given(secret=_secrets, body=_bodies, other_body=_bodies, timestamp=_timestamps)
def test_a_changed_body_is_refused(secret: str, body: bytes, other_body: bytes, timestamp: int) -> None:
    assume(other_body != body)
    header = signature_header(secret, timestamp, body)

    assert _refusal(other_body, header, [secret], timestamp) is SignatureRefusal.BAD_SIGNATURE


@given(secret=_secrets, body=_bodies, timestamp=_timestamps, shift=st.integers(-300, 300))
def test_a_changed_timestamp_is_refused(secret: str, body: bytes, timestamp: int, shift: int) -> None:
    assume(shift != 0 and timestamp + shift >= 0)
    signature = compute_signature(secret, timestamp, body)
    forged = f"t={timestamp + shift},v1={signature}"

    assert _refusal(body, forged, [secret], timestamp) is SignatureRefusal.BAD_SIGNATURE


@given(secret=_secrets, other_secret=_secrets, body=_bodies, timestamp=_timestamps)
def test_a_different_secret_is_refused(secret: str, other_secret: str, body: bytes, timestamp: int) -> None:
    assume(other_secret != secret)
    header = signature_header(secret, timestamp, body)

    assert _refusal(body, header, [other_secret], timestamp) is SignatureRefusal.BAD_SIGNATURE
