"""The message on the consent queue: Engage says a contact's preferences may have changed; the consumer reads it.

It carries only what locates the contact (its id, or the still-encrypted payload that holds it) and when the
change was seen; never the preference value itself. Engage is re-read (engage-wave2.md §1.4: delivery order is not
promised, and the payload shape is only in the tenant's Svix portal).
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

PreferenceSource = Literal["webhook", "changes"]


class PreferenceChange(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    source: PreferenceSource
    observed_at: float = Field(gt=0, description="epoch seconds: the webhook's signed timestamp, or the feed read")
    message_id: str | None = Field(default=None, max_length=200)
    event_type: str | None = Field(default=None, max_length=100)
    contact_id: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")
    encrypted_payload: str | None = Field(default=None, max_length=20_000)

    @model_validator(mode="after")
    def _locates_a_contact(self) -> "PreferenceChange":
        if self.contact_id is None and self.encrypted_payload is None:
            raise ValueError("a preference change names its contact id or carries the encrypted payload holding it")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def business_key(self) -> str:
        # A webhook is one Svix message (same id on every retry); a feed entry is one contact in one read.
        if self.message_id is not None:
            return f"consent:webhook:{self.message_id}"
        return f"consent:{self.source}:{self.contact_id}:{int(self.observed_at)}"

    @property
    def correlation_id(self) -> str:
        return f"engage-contact:{self.contact_id or 'encrypted'}"
