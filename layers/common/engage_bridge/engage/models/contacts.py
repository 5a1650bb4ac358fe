"""Contact bodies: ``POST /api/v3/contacts`` and ``PATCH /api/v3/contacts/{id}``, never blank, never null."""

from datetime import date
from typing import Literal, Self

from pydantic import PrivateAttr, field_validator

from engage_bridge.engage.models.base import EngageModel


def _blank_to_none(value: object) -> object:
    # Engage overwrites a stored value with "" or null, so an empty value must never be sent.
    if isinstance(value, str) and not value.strip():
        return None
    return value


class Preferences(EngageModel):
    accepts_email: bool | None = None


class _ContactFields(EngageModel):
    first_name: str | None = None
    last_name: str | None = None
    birth_day: date | None = None
    gender: Literal["Male", "Female"] | None = None
    mobile_phone: str | None = None
    street: str | None = None
    zip_code: str | None = None
    city: str | None = None
    country_code: str | None = None
    preferences: Preferences | None = None
    # Fields the mapping had a value for but left out, with why (``mobilePhone: invalid``); never sent.
    _left_out: tuple[str, ...] = PrivateAttr(default=())

    @property
    def left_out(self) -> tuple[str, ...]:
        return self._left_out

    def leaving_out(self, *reasons: str) -> Self:
        """A copy of this body noting fields left out on purpose (counted where the body is sent)."""
        copy = self.model_copy()
        copy._left_out = (*self._left_out, *reasons)
        return copy

    @field_validator("*", mode="before")
    @classmethod
    def _drop_blank(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("preferences", mode="after")
    @classmethod
    def _drop_empty_preferences(cls, value: Preferences | None) -> Preferences | None:
        return value if value is not None and value.body() else None


class ContactCreate(_ContactFields):
    """``POST /api/v3/contacts?source=..&storeExternalId=..``: a new contact with everything known about it."""

    contact_type: str
    email: str


class ContactUpdate(_ContactFields):
    """``PATCH /api/v3/contacts/{id}``: only fields that have a value; never null, never empty."""

    def is_empty(self) -> bool:
        return not self.body()
