"""Mobile phone numbers for Engage: E.164 by libphonenumber's rules, or nothing.

Engage types ``mobilePhone`` as ``PhoneNumber``, requires the country calling code (Voyado, contact field
definitions) and rejects a badly formatted number (Centra's plugin, seed 001, then repeats the call without it).
A prefix-and-digits check is not enough: seed 001's own ``+467062241729`` has one digit too many for a Swedish
number. So a number is parsed with the address country as the region for national forms ("070-123 45 67" in
Sweden), and only a number libphonenumber calls valid is sent, formatted as E.164. Anything else is left out:
a contact without a phone is better than no contact, no order e-mail and no receipt.
"""

from msgspec import Struct

# Longer input is not a phone number; libphonenumber refuses above 250 characters anyway.
_MAX_INPUT = 64


class MappedPhone(Struct, frozen=True):
    """``e164`` is what may be sent; ``invalid`` says a number was given but is not one Engage should see."""

    e164: str | None
    invalid: bool


NO_PHONE = MappedPhone(None, invalid=False)


def mobile_phone(raw: str | None, country_code: str | None) -> MappedPhone:
    """``raw`` as E.164, national forms read in ``country_code`` (ISO 3166-1 alpha-2); invalid ones left out."""
    text = (raw or "").strip()
    if not text:
        return NO_PHONE
    if len(text) > _MAX_INPUT:
        return MappedPhone(None, invalid=True)
    region = (country_code or "").strip().upper() or None
    # Imported here: only the functions that map a contact's phone pay for libphonenumber's metadata at cold start.
    import phonenumbers  # noqa: PLC0415

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return MappedPhone(None, invalid=True)
    if not phonenumbers.is_valid_number(number):
        return MappedPhone(None, invalid=True)
    return MappedPhone(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), invalid=False)
