"""What the storefront sends, validated field by field before anything is looked up.

Field names follow Voyado's subscription API for Centra where its page shows them (``email``, ``sku``,
``locale``) and name the rest plainly (``market``: the Centra market id, ``newsletter``: whether the person
also accepts newsletters); engage-api.md §6.2 notes the originals were not visible.
"""

import json
import re

from msgspec import Struct
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

MAX_BODY_BYTES = 4096
# One "@", a dot in the domain, no whitespace or control characters; Engage validates the address again.
_EMAIL = re.compile(r"^[^@\s\x00-\x1f]{1,64}@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f.]{2,}$")
_LOCALE = re.compile(r"^[a-z]{2}-[A-Z]{2}$")


class InvalidRequest(Exception):
    """A request the endpoint refuses with 400; ``field`` names what is wrong (never its value)."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    email: str = Field(min_length=3, max_length=254)
    sku: str = Field(min_length=1, max_length=100)
    market: str = Field(min_length=1, max_length=20, pattern=r"^[0-9]+$")
    locale: str = Field(min_length=5, max_length=5)
    newsletter: StrictBool = False


class SubscriptionRequest(Struct, frozen=True):
    email: str
    sku: str
    market_id: str
    locale: str
    newsletter: bool

    @property
    def country_code(self) -> str:
        """The locale's region (``sv-SE`` → ``SE``): the country a new contact is given."""
        return self.locale[3:]


def parse_request(body: bytes) -> SubscriptionRequest:
    """The request in ``body``, or ``InvalidRequest`` naming the first bad field."""
    if len(body) > MAX_BODY_BYTES:
        raise InvalidRequest("body", "too large")
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidRequest("body", "not JSON") from None
    if not isinstance(document, dict):
        raise InvalidRequest("body", "not a JSON object")
    try:
        parsed = _Body.model_validate(document)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        raise InvalidRequest(
            field, "unexpected field" if first["type"] == "extra_forbidden" else first["msg"]
        ) from None
    email = parsed.email.strip()
    if not _EMAIL.fullmatch(email):
        raise InvalidRequest("email", "not an e-mail address")
    if not _LOCALE.fullmatch(parsed.locale):
        raise InvalidRequest("locale", "expected a locale like sv-SE")
    return SubscriptionRequest(
        email=email, sku=parsed.sku.strip(), market_id=parsed.market, locale=parsed.locale, newsletter=parsed.newsletter
    )
