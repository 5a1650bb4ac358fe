"""How Engage bodies serialise: money as two-decimal strings, numbers as numbers, datetimes with offset."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from engage_bridge.engage.models import (
    ContactMatch,
    Fee,
    StockLevel,
    StockLevelBatch,
    iso_datetime,
    json_number,
    money_text,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [("199", "199.00"), ("5.033", "5.03"), ("1.735", "1.74"), ("-1.7355", "-1.74"), ("-0.001", "0.00"), ("0", "0.00")],
)
def test_money_is_a_two_decimal_string_rounded_half_up(value: str, text: str) -> None:
    assert money_text(Decimal(value)) == text


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False))
def test_money_text_always_has_exactly_two_decimals(value: Decimal) -> None:
    text = money_text(value)

    assert text.split(".")[1].isdigit() and len(text.split(".")[1]) == 2
    assert abs(Decimal(text) - value) <= Decimal("0.005")


def test_numbers_are_json_numbers_integral_without_fraction() -> None:
    assert (json_number(Decimal(1)), json_number(Decimal("25.0")), json_number(Decimal("9.36577"))) == (1, 25, 9.36577)
    assert isinstance(json_number(Decimal("25.0")), int)


def test_datetimes_keep_their_offset_to_the_second() -> None:
    stockholm = timezone(timedelta(hours=2))

    assert iso_datetime(datetime(2020, 6, 16, 20, 0, 58, 123, tzinfo=stockholm)) == "2020-06-16T20:00:58+02:00"
    assert iso_datetime(datetime(2020, 6, 16, 18, 0, 58, tzinfo=UTC)) == "2020-06-16T18:00:58+00:00"


def test_bodies_use_engage_names_and_drop_absent_values() -> None:
    assert Fee(value=Decimal(-10), tax=Decimal("-1.74")).body() == {"value": "-10.00", "tax": "-1.74"}
    assert ContactMatch(match_key="x@example.com", match_key_type="email").body() == {
        "matchKey": "x@example.com",
        "matchKeyType": "email",
    }
    assert StockLevelBatch([StockLevel(sku="A", quantity=1)]).body() == [{"sku": "A", "quantity": 1}]


def test_models_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        Fee.model_validate({"value": 1, "tax": 0, "taxPercent": 25})
