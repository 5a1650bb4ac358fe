"""What every Engage request body shares: the serialisation rules and ``EngageModel``.

The parts only orders and receipts use are in ``parts``, so a contact, promotion or stock handler does not define
them at cold start (issue 18).
"""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, PlainSerializer
from pydantic.alias_generators import to_camel

_CENT = Decimal("0.01")


def money_text(value: Decimal) -> str:
    """``Decimal`` -> "12.30", rounding half up; never "-0.00"."""
    rounded = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    return "0.00" if rounded.is_zero() else f"{rounded:f}"


def json_number(value: Decimal) -> int | float:
    """A JSON number: integral values without a fraction (``1``, ``25``), others as the nearest double."""
    return int(value) if value == value.to_integral_value() else float(value)


def iso_datetime(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


Money = Annotated[Decimal, PlainSerializer(money_text, return_type=str)]
Number = Annotated[Decimal, PlainSerializer(json_number, return_type=int | float)]
DateTime = Annotated[AwareDatetime, PlainSerializer(iso_datetime, return_type=str)]


class EngageModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid", defer_build=True
    )

    def body(self) -> dict[str, Any]:
        """The JSON body: Engage's field names, no ``None`` values."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
