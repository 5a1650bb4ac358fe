"""The brand configuration: one JSON document, validated once at cold start.

In AWS the document lives in an SSM parameter (``BRAND_CONFIG_PARAMETER``); locally it is a file
(``BRAND_CONFIG_FILE``). Every option the Centra plugin offers has the plugin's default here, so a brand
moving off the plugin writes down only what it changed. ``docs/configuration.md`` documents each field.
"""

import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, PositiveInt, ValidationError, model_validator

from engage_bridge.errors import ConfigError

ContactSyncMode = Literal["all", "registered", "with_engage_id", "none"]
StoreType = Literal["DIRECT_TO_CONSUMER", "WHOLESALE", "MARKETPLACE"]
NonEmptyStr = Annotated[str, Field(min_length=1)]
# Engage's examples for /orders ``language``: sv-SE, en-GB (Voyado, orders field definitions).
Language = Annotated[str, Field(pattern=r"^[a-z]{2}-[A-Z]{2}$")]

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_KNOWN_PLACEHOLDERS = frozenset({"market", "country"})
_WHITESPACE = re.compile(r"\s")


def _section() -> Any:
    """A section the document leaves out: ``{}`` validated by the enclosing model's own validator. A default
    instance (``EngageTimeouts()``) would build every section's validator when this module is imported, beside
    the one ``BrandConfig`` builds for the whole document (12 validators more at cold start, issue 18)."""
    return Field(default={}, validate_default=True)


class _Strict(BaseModel):
    # A typo in a configuration key must fail loudly instead of silently falling back to a default.
    # defer_build: built when a configuration is first parsed (at start, in the functions that load one), not
    # wherever the module is imported for its types (the webhook receiver, the events poller).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class EngageTimeouts(_Strict):
    """Client timeouts in seconds. Voyado asks for at least 60 s on redeem calls (point of no return)."""

    connect: float = Field(default=5.0, gt=0)
    default: float = Field(default=30.0, gt=0)
    create_contact: float = Field(default=15.0, gt=0)
    redeem: float = Field(default=60.0, ge=60)


class EngageConnection(_Strict):
    base_url: HttpUrl
    api_key_secret: NonEmptyStr = Field(description="Secrets Manager name or ARN holding the API key")
    source: NonEmptyStr = "ECOM"
    user_agent: NonEmptyStr = Field(
        default="brand", description="The brand's own part, appended to centra-engage-bridge/<version>"
    )
    timeouts: EngageTimeouts = _section()


class ContactTypes(_Strict):
    """Engage contact type handles. Case-sensitive: they must match the tenant exactly."""

    member: NonEmptyStr = "member"
    transactional: NonEmptyStr = "transactionalContact"
    newsletter: NonEmptyStr = "contact"


class OrderStatusTags(_Strict):
    """The ``orderStatus`` values configured in the tenant (Voyado adds them on request)."""

    created: NonEmptyStr = "ORDER_CREATED"
    shipped: NonEmptyStr = "ORDER_SHIPPED"
    cancelled: NonEmptyStr = "ORDER_CANCELLED"
    returned: NonEmptyStr = "ORDER_RETURNED"


class PaymentStatusTags(_Strict):
    pending: NonEmptyStr = "PENDING"
    success: NonEmptyStr = "SUCCESS"
    failed: NonEmptyStr = "FAILED"


def _direct_to_consumer_only() -> list[StoreType]:
    return ["DIRECT_TO_CONSUMER"]


class Restrictions(_Strict):
    """Which Centra objects reach Engage. An empty list means "all", as in Centra's plugin."""

    markets: list[NonEmptyStr] = Field(default=[], description="market names or ids")
    pricelists: list[NonEmptyStr] = Field(default=[], description="pricelist names or ids")
    countries: list[NonEmptyStr] = Field(default=[], description="ISO 3166-1 alpha-2 codes")
    store_types: list[StoreType] = Field(default_factory=_direct_to_consumer_only, min_length=1)


class Receipts(_Strict):
    include_freight: bool = Field(
        default=False, description="Add the shipping fee as a receipt line (awards points on shipping)"
    )


RedemptionMoment = Literal["payment", "first_shipment"]


class Promotions(_Strict):
    redeem_when: RedemptionMoment = Field(
        default="payment",
        description="When an order's Engage promotion is redeemed: once its payment succeeded, or with its first"
        " completed shipment",
    )


_FEED_URL_PLACEHOLDERS = frozenset({"uri", "locale", "language", "country", "market"})


class ProductFeed(_Strict):
    """Engage's product feed per locale (docs/back-in-stock.md "The product feed"); off without a URL template."""

    product_url_template: NonEmptyStr | None = Field(
        default=None,
        description="The product page's URL: {uri} (the display's URI in the locale's language) and optionally "
        "{locale}, {language}, {country}, {market}, e.g. https://brand.example/{language}/product/{uri}; unset: "
        "no feed is written",
    )
    pricelist_by_market: dict[NonEmptyStr, PositiveInt] = Field(
        default={}, description="Centra market id -> the pricelist id whose prices the market's feeds show"
    )
    brand: NonEmptyStr | None = Field(default=None, description="g:brand on every item")
    image_size: NonEmptyStr = Field(default="standard", description="The Centra media size name of g:image_link")

    @property
    def enabled(self) -> bool:
        """Feeds are written once the brand gives the URL template; without it the feed is off, by choice."""
        return self.product_url_template is not None

    @model_validator(mode="after")
    def _check_template(self) -> "ProductFeed":
        if self.product_url_template is not None:
            placeholders = set(_PLACEHOLDER.findall(self.product_url_template))
            if unknown := placeholders - _FEED_URL_PLACEHOLDERS:
                raise ValueError(f"product_url_template: unknown placeholder {{{sorted(unknown)[0]}}}")
            if "uri" not in placeholders:
                raise ValueError("product_url_template: needs {uri}")
            if not self.product_url_template.startswith("https://"):
                raise ValueError("product_url_template: must start with https://")
        return self


class BackInStock(_Strict):
    locales_by_market: dict[NonEmptyStr, list[NonEmptyStr]] = Field(
        default={}, description="Centra market id -> Engage product-feed locales, e.g. sv-SE"
    )
    warehouses_by_market: dict[NonEmptyStr, list[PositiveInt]] = Field(
        default={},
        description="Centra market id -> the warehouse ids of its allocation rule; a market's stock is the sum of "
        "their free-to-allocate quantities (no market listed: no stock levels are sent)",
    )
    relay_stock_levels: bool = Field(
        default=True,
        description="Send Centra's stock levels to Engage; turn off when Voyado's own Centra back-in-stock "
        "integration already sends them (two relays would starve each other of StockChange events)",
    )
    subscriptions_per_client_per_hour: PositiveInt = Field(
        default=20, description="Subscription requests one client (source IP) may make per hour"
    )
    subscriptions_per_email_per_hour: PositiveInt = Field(
        default=5, description="Subscription requests for one e-mail address per hour"
    )
    product_feed: ProductFeed = _section()

    @model_validator(mode="after")
    def _check_feed_markets(self) -> "BackInStock":
        if self.product_feed.product_url_template is None:
            return self
        seen: dict[str, str] = {}
        for market, locales in sorted(self.locales_by_market.items()):
            if market not in self.product_feed.pricelist_by_market:
                raise ValueError(f"product_feed.pricelist_by_market.{market}: required for every feed market")
            for locale in locales:
                if not re.fullmatch(r"[a-z]{2}-[A-Z]{2}", locale):
                    raise ValueError(f"locales_by_market.{market}: {locale!r} is not a locale like sv-SE")
                if locale in seen:  # Engage keeps one feed per locale: one market's prices and stock
                    raise ValueError(f"locales_by_market.{market}: {locale} is already market {seen[locale]}'s feed")
                seen[locale] = market
        return self


class Consent(_Strict):
    """Opt-outs made in Engage, back to Centra (docs/mapping.md "Consent", docs/configuration.md)."""

    write_opt_outs_to_centra: bool = Field(
        default=False,
        description="Write an Engage opt-out to the Centra customer (receiveNewsletters: false); the mutation's name "
        "is assumed, so keep this off until engage-bridge doctor confirms updateCustomer on the tenant. Off: the "
        "opt-out is kept in the state table and reported (ConsentOptOutNotWritten)",
    )
    changes_window_minutes: PositiveInt = Field(
        default=30,
        le=1440,
        description="How far back each scheduled read of Engage's changed contacts looks (overlapping windows: "
        "the feed's time zone and freshness are not documented)",
    )


class Erasure(_Strict):
    """A customer deleted in Centra (docs/mapping.md "Erasure", docs/runbook.md "Erasure")."""

    action: Literal["report", "delete"] = Field(
        default="report",
        description="report: record the erasure in the ledger and log it (engage-bridge reconcile lists it) for a "
        "person to act on in Engage; delete: soft-delete the customer's linked Engage member (DELETE "
        "/api/v3/contacts/{id}; restorable in Engage for seven days, then its personal data is erased)",
    )


class BrandConfig(_Strict):
    """Everything one brand's stack needs to know about its Centra store and Engage tenant."""

    engage: EngageConnection
    store_external_id: NonEmptyStr = Field(
        description="Literal ('brand.com', 'centra.com/Europe') or template with {market} or {country}"
    )
    store_ids: dict[NonEmptyStr, NonEmptyStr] = Field(
        default={},
        description="Market or country name -> Engage store external id, for names Engage cannot use as is",
    )
    default_market: NonEmptyStr | None = Field(
        default=None, description="Market name for objects that carry none, e.g. a newsletter sign-up"
    )
    default_country: NonEmptyStr | None = Field(
        default=None, description="Country name for {country} when an object carries no address"
    )
    contact_sync: ContactSyncMode = "all"
    newsletter_subscribers: bool = Field(default=True, description="Sync newsletter subscribers as contacts")
    contact_types: ContactTypes = _section()
    customer_updates: bool = Field(default=False, description="Send member field changes (plugin default: off)")
    transactional_emails: bool = True
    order_status_tags: OrderStatusTags = _section()
    payment_status_tags: PaymentStatusTags = _section()
    restrictions: Restrictions = _section()
    receipts: Receipts = _section()
    historical_sync_from: date | None = None
    contact_id_attribute: NonEmptyStr = Field(
        default="voyado_contact_id", description="Customer attribute holding the Engage contact id the front end set"
    )
    promotion_id_attribute: NonEmptyStr = Field(
        default="voyado_promotion_id", description="Order attribute holding the Engage promotion assignment id"
    )
    back_in_stock: BackInStock = _section()
    tracking_links: dict[NonEmptyStr, NonEmptyStr] = Field(
        default={},
        description="Shipping method name -> tracking link, {tracking_number} filled in when present, e.g. "
        "https://carrier.example/track?id={tracking_number} (Centra's Integration API has no tracking URL)",
    )
    promotions: Promotions = _section()
    languages_by_market: dict[NonEmptyStr, Language] = Field(
        default={},
        description="Centra market name or id -> the language of its order e-mails (/orders language), e.g. sv-SE",
    )
    default_language: Language | None = Field(
        default=None, description="Order e-mail language for a market languages_by_market does not name"
    )
    consent: Consent = _section()
    erasure: Erasure = _section()

    @model_validator(mode="after")
    def _check_store_template(self) -> "BrandConfig":
        placeholders = set(_PLACEHOLDER.findall(self.store_external_id))
        unknown = placeholders - _KNOWN_PLACEHOLDERS
        if unknown:
            raise ValueError(f"store_external_id: unknown placeholder {{{sorted(unknown)[0]}}}")
        if "market" in placeholders and self.default_market is None:
            raise ValueError("default_market: required when store_external_id uses {market}")
        if self.transactional_emails and not self.languages_by_market and self.default_language is None:
            raise ValueError(
                "languages_by_market: required when transactional_emails is on (Engage requires language on "
                "/orders); name each market's language, or set default_language"
            )
        for name, store_id in self.store_ids.items():
            if _WHITESPACE.search(store_id):
                raise ValueError(f"store_ids.{name}: Engage store ids cannot contain whitespace")
        for method, template in self.tracking_links.items():
            if set(_PLACEHOLDER.findall(template)) - {"tracking_number"}:
                raise ValueError(f"tracking_links.{method}: the only placeholder is {{tracking_number}}")
        return self

    @property
    def store_template(self) -> str:
        """The store part of ``store_external_id``: ``centra.com/Europe`` means store ``Europe`` (seed 001)."""
        return self.store_external_id.rsplit("/", 1)[-1] if "/" in self.store_external_id else self.store_external_id


def parse_config(document: str | bytes | dict[str, Any]) -> BrandConfig:
    """Validate a configuration document; raise ``ConfigError`` naming the first bad field."""
    try:
        data = json.loads(document) if isinstance(document, str | bytes) else document
    except json.JSONDecodeError as exc:
        raise ConfigError("<document>", f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    try:
        return BrandConfig.model_validate(data)
    except ValidationError as exc:
        raise _config_error(exc) from None


def _config_error(exc: ValidationError) -> ConfigError:
    first = exc.errors(include_url=False)[0]
    location = ".".join(str(part) for part in first["loc"]) or "<document>"
    message = first["msg"]
    # Model-level checks name their own field in the message ("default_market: required when ...").
    if first["type"] == "value_error":
        message = message.removeprefix("Value error, ")
        if ": " in message and not first["loc"]:
            location, message = message.split(": ", 1)
    return ConfigError(location, message)


def load_config(environ: dict[str, str] | None = None) -> BrandConfig:
    """Load the configuration the environment points at: a file locally, an SSM parameter in AWS."""
    env = os.environ if environ is None else environ
    if path := env.get("BRAND_CONFIG_FILE"):
        try:
            return parse_config(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError("BRAND_CONFIG_FILE", f"cannot read {path}: {exc.strerror}") from None
    if parameter := env.get("BRAND_CONFIG_PARAMETER"):
        from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415 - only needed in AWS

        return parse_config(parameters.get_parameter(parameter, decrypt=True, max_age=300))
    raise ConfigError("BRAND_CONFIG_PARAMETER", "not set (nor BRAND_CONFIG_FILE for local runs)")
