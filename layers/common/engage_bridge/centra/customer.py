"""A Centra customer and a newsletter subscription."""

from datetime import date

from pydantic import AwareDatetime, Field

from engage_bridge.centra.common import Address, Attribute, CentraModel, Country, Market, Text, attribute_value


class Customer(CentraModel):
    """``Customer``; also the ``customer {...}`` of a DTC order, which may select fewer fields.

    ``registered`` and ``newsletter`` are the schema's two unnamed ``Boolean!`` fields (assumed names). ``None``
    means "not selected": opt-in is then unknown and never guessed.
    """

    typename: str | None = Field(default=None, alias="__typename")
    id: int | str | None = None
    email: str | None = None
    first_name: Text = ""
    last_name: Text = ""
    birthdate: date | None = None
    gender: str | None = None
    phone_number: Text = ""
    registered: bool | None = None
    newsletter: bool | None = None
    billing_address: Address | None = None
    attributes: list[Attribute] = Field(default_factory=list)

    @property
    def reference(self) -> str:
        return str(self.id) if self.id is not None else "<no id>"

    def attribute(self, name: str) -> str | None:
        """A custom attribute's value, e.g. the Engage contact id the front end stored."""
        return attribute_value(self.attributes, name)


class NewsletterSubscription(CentraModel):
    """A newsletter sign-up that may have no customer behind it (``NewsletterSubscription`` event object)."""

    typename: str | None = Field(default=None, alias="__typename")
    id: int | str | None = None
    email: str | None = None
    subscribed: bool = True
    country: Country | None = None
    market: Market | None = None
    created_at: AwareDatetime | None = None

    @property
    def reference(self) -> str:
        return str(self.id) if self.id is not None else "<no id>"
