"""The sandbox's phone rule: Engage's PhoneNumber read as libphonenumber's validity, with the calling code."""

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engage_bridge_tools.sandbox.contacts import phone_is_valid

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


@pytest.mark.parametrize("number", ["+46701234567", "+46 16 779 3703", "+34701235456", "+447911123456"])
def test_international_numbers_valid_for_their_country_pass(number: str) -> None:
    assert phone_is_valid(number)


@pytest.mark.parametrize(
    "number",
    [
        "+467062241729",  # seed 001: one digit too many for a Swedish mobile
        "0701234567",  # no country calling code (Voyado: "Country calling code is required")
        "+4670123456",  # too short
        "+1234",
        "phone",
        "",
    ],
)
def test_numbers_engage_would_refuse_fail(number: str) -> None:
    assert not phone_is_valid(number)


@given(st.sampled_from(REGIONS))
def test_every_regions_example_mobile_in_e164_passes(region: str) -> None:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is not None:
        assert phone_is_valid(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
