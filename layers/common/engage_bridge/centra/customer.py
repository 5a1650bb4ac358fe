"""A Centra customer and a newsletter subscription."""

from datetime import date

from pydantic import AwareDatetime, Field

from engage_bridge.centra.base import CentraModel
from engage_bridge.centra.common import Address, Attribute, Country, Store, Text, attribute_value


class Customer(CentraModel):
    """``Customer``; also the ``customer {...}`` of a DTC order, which may select fewer fields.

    ``registered`` and ``newsletter`` (``receiveNewsletters``) are the schema's two unnamed ``Boolean!`` fields:
    assumed names, listed in ``assumptions.graphql``. ``None`` means "not selected": opt-in is then unknown and
    never guessed.
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
    newsletter: bool | None = Field(default=None, alias="receiveNewsletters")
    billing_address: Address | None = None
    attributes: list[Attribute] = Field(default=[])

    @property
    def reference(self) -> str:
        return str(self.id) if self.id is not None else "<no id>"

    def attribute(self, name: str) -> str | None:
        """A custom attribute's value, e.g. the Engage contact id the front end stored."""
        return attribute_value(self.attributes, name)


class SubscribedProduct(CentraModel):
    """The product size or variant a back-in-stock sign-up is for."""

    id: int | str | None = None
    sku: str | None = Field(default=None, alias="SKU")


class NewsletterSubscription(CentraModel):
    """A sign-up on Centra's own list (CD:newslettersubscription, seen whole): no customer link and no market.

    ``subscribed`` is Centra's ``isActive``. A sign-up with a ``productSize`` or ``productVariant`` is a
    back-in-stock request for that product, not a newsletter opt-in (``is_back_in_stock``).
    """

    typename: str | None = Field(default=None, alias="__typename")
    id: int | str | None = None
    email: str | None = None
    subscribed: bool = Field(default=True, alias="isActive")
    country: Country | None = None
    store: Store | None = None
    product_size: SubscribedProduct | None = None
    product_variant: SubscribedProduct | None = None
    created_at: AwareDatetime | None = None

    @property
    def is_back_in_stock(self) -> bool:
        return self.product_size is not None or self.product_variant is not None

    @property
    def reference(self) -> str:
        return str(self.id) if self.id is not None else "<no id>"
