"""Personal data and secrets in function log lines: a regex scan, plus the run's own values looked up literally.

A hit names the line and what kind of datum it holds, never the datum: the report must not leak what it found.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# International numbers (E.164, optionally grouped), the shape Centra and Engage carry phones in.
PHONE = re.compile(r"(?<![\w+])\+\d(?:[ -]?\d){6,14}(?!\d)")
_DIGITS_ONLY_MIN = 8  # a phone's digits without "+" are looked up too, when long enough to mean something


@dataclass(frozen=True, slots=True)
class LogHit:
    line: int  # 1-based
    kind: str  # email, phone, secret, known_email, known_phone

    def __str__(self) -> str:
        return f"line {self.line}: {self.kind}"


def scan_log(
    lines: Iterable[str], *, secrets: Iterable[str] = (), emails: Iterable[str] = (), phones: Iterable[str] = ()
) -> list[LogHit]:
    """Every line holding an e-mail address or phone number (by pattern or one of the run's own), or a secret."""
    secret_values = [value for value in secrets if value]
    known_emails = {value.lower() for value in emails if value}
    phone_patterns = [_phone_pattern(value) for value in phones if value]
    hits = []
    for number, line in enumerate(lines, start=1):
        lowered = line.lower()
        kinds = []
        if EMAIL.search(line):
            kinds.append("email")
        if PHONE.search(line):
            kinds.append("phone")
        if any(value in line for value in secret_values):
            kinds.append("secret")
        if any(value in lowered for value in known_emails):
            kinds.append("known_email")
        if any(pattern.search(line) for pattern in phone_patterns):
            kinds.append("known_phone")
        hits += [LogHit(number, kind) for kind in kinds]
    return hits


def _phone_pattern(phone: str) -> re.Pattern[str]:
    """The number as written, or its digits alone (without "+" or spaces) when there are enough of them."""
    digits = re.sub(r"\D", "", phone)
    forms = [re.escape(phone)]
    if len(digits) >= _DIGITS_ONLY_MIN:
        forms.append(rf"(?<!\d){digits}(?!\d)")
    return re.compile("|".join(forms))
