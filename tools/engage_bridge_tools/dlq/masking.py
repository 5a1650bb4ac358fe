"""Personal data out of what ``dlq show`` and ``dlq list`` print, unless ``--reveal`` asks for it.

Queue messages carry the Centra objects they were built from, with e-mail addresses, names, phone numbers and
addresses. Values under those keys are replaced; an e-mail becomes ``email:<fingerprint>`` (``engage_bridge.pii``),
the same reference the logs use, so a masked message can still be matched with its log lines. E-mail
addresses inside free text (an Engage validation message quoting one) are replaced the same way.
"""

import json
import re
from typing import Any

from engage_bridge.pii import email_ref

MASK = "<masked>"
# Keys as Centra's camelCase or the models' snake_case, compared without underscores and case.
_PERSONAL_KEYS = frozenset(
    {
        "firstname",
        "lastname",
        "phonenumber",
        "cellphonenumber",
        "address1",
        "address2",
        "city",
        "zipcode",
        "stateorprovince",
        "birthdate",
    }
)
_EMAIL_KEYS = frozenset({"email"})
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask_text(text: str) -> str:
    return _EMAIL_IN_TEXT.sub(lambda match: email_ref(match.group(0)), text)


def mask_value(value: Any) -> Any:
    """``value`` (parsed JSON) with every personal field replaced."""
    if isinstance(value, dict):
        return {key: _mask_field(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_value(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


def mask_body(body: str) -> str:
    """A message body with personal data replaced; a body that is not JSON has its e-mail addresses replaced."""
    try:
        parsed = json.loads(body)
    except (json.JSONDecodeError, RecursionError):
        return mask_text(body)
    return json.dumps(mask_value(parsed), ensure_ascii=False)


def _mask_field(key: str, value: Any) -> Any:
    normalised = key.replace("_", "").casefold()
    if isinstance(value, str) and value:
        if normalised in _EMAIL_KEYS:
            return email_ref(value)
        if normalised in _PERSONAL_KEYS:
            return MASK
    return mask_value(value)
