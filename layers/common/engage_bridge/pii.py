"""Log-safe references to personal data.

Logs and error messages name a person by a short one-way fingerprint, never by the e-mail itself, so two
log lines about the same customer can still be correlated without the address ever being written.
"""

import hashlib


def fingerprint(value: str) -> str:
    """A stable 12-hex-digit reference to ``value`` (case- and whitespace-insensitive)."""
    digest = hashlib.sha256(value.strip().casefold().encode("utf-8")).hexdigest()
    return digest[:12]


def email_ref(email: str) -> str:
    """How an e-mail address appears in logs: ``email:<fingerprint>``."""
    return f"email:{fingerprint(email)}"
