"""Taking one back-in-stock subscription from the storefront: check, throttle, find the contact, subscribe.

The order of the checks keeps the cheap and the anonymous first: the proof (nothing is written for a request the
storefront did not sign), the fields, the configured market and locale, the throttle counters, the SKU; only then
Engage. The contact rules follow Voyado's reference flow (create the contact, then the subscription; the contact
must exist first, engage-wave2.md §7) and the bridge's consent rules (consent is Engage's):

- an address that has a member uses the member, whatever ``newsletter`` says: its consent is never touched;
- else an existing ``contact``-type record is used as it is (an opt-out stays an opt-out);
- else a ``contact``-type record is created with ``acceptsEmail`` exactly as given: true only when the person
  ticked the newsletter box, false otherwise.

The same subscription twice is one: the contact's subscriptions are read before one is created, and Engage's own
client checks again after an unanswered create.
"""

from collections.abc import Sequence
from typing import Any, Protocol

from msgspec import Struct

from engage_bridge.config import BrandConfig
from engage_bridge.contacts import ContactDirectory
from engage_bridge.engage.models import ContactCreate, Preferences
from engage_bridge.engage.outcomes import EngageConflict, EngageError, EngageRetryableError
from engage_bridge.errors import ContactCreationInProgress, MappingError
from engage_bridge.mapping.store import StoreContext, store_external_id
from engage_bridge.subscriptions.catalogue import SkuCatalogue
from engage_bridge.subscriptions.proof import ProofRefused, VerifiedProof, verify
from engage_bridge.subscriptions.request import MAX_BODY_BYTES, InvalidRequest, SubscriptionRequest, parse_request
from engage_bridge.subscriptions.throttle import Throttle


class SubscriptionApi(Protocol):
    """The part of ``EngageClient`` the endpoint uses besides contact resolution."""

    def find_back_in_stock_subscription(
        self, contact_id: str, sku: str, locale: str, external_id: str | None
    ) -> str | None: ...

    def create_back_in_stock_subscription(
        self, contact_id: str, sku: str, locale: str, external_id: str | None = None
    ) -> str: ...


class SubscriptionAnswer(Struct, frozen=True):
    status: int
    reason: str  # for the storefront, logs and metrics: "subscribed", "proof_missing", "unknown_sku", ...
    field: str | None = None  # the request field a 400 or 422 is about
    retry_after_seconds: int | None = None
    contact_created: bool = False
    secret_index: int = 0

    def body(self) -> dict[str, Any]:
        document: dict[str, Any] = {"status": self.reason}
        if self.field:
            document["field"] = self.field
        return document


class Endpoint(Struct, frozen=True):
    """What one subscription needs besides the request: configuration and adapters, built once per container."""

    cfg: BrandConfig
    throttle: Throttle
    catalogue: SkuCatalogue
    contacts: ContactDirectory
    engage: SubscriptionApi
    proof_max_age_seconds: int


def take_subscription(
    endpoint: Endpoint, raw_body: bytes, proof: str | None, client: str, secrets: Sequence[str], *, now: float
) -> SubscriptionAnswer:
    checked = _verified_request(endpoint, raw_body, proof, secrets, now)
    if isinstance(checked, SubscriptionAnswer):
        return checked
    request, verified = checked
    if refusal := _refusal(endpoint, request, client):
        return refusal
    answer = _subscribe(endpoint, request)
    return SubscriptionAnswer(
        answer.status, answer.reason, contact_created=answer.contact_created, secret_index=verified.secret_index
    )


def _verified_request(
    endpoint: Endpoint, raw_body: bytes, proof: str | None, secrets: Sequence[str], now: float
) -> SubscriptionAnswer | tuple[SubscriptionRequest, VerifiedProof]:
    if len(raw_body) > MAX_BODY_BYTES:
        return SubscriptionAnswer(413, "too_large")
    try:
        verified = verify(raw_body, proof, secrets, now=now, max_age_seconds=endpoint.proof_max_age_seconds)
        return parse_request(raw_body), verified
    except ProofRefused as refused:
        return SubscriptionAnswer(401, f"proof_{refused.reason.value}")
    except InvalidRequest as invalid:
        reason = "invalid_email" if invalid.field == "email" else "invalid_request"
        return SubscriptionAnswer(400, reason, field=invalid.field)


def _refusal(endpoint: Endpoint, request: SubscriptionRequest, client: str) -> SubscriptionAnswer | None:
    """Why a well-formed, signed request is refused: market, locale, throttle, SKU; None when it is not."""
    locales = endpoint.cfg.back_in_stock.locales_by_market
    if request.market_id not in locales:
        return SubscriptionAnswer(422, "unknown_market", field="market")
    if request.locale not in locales[request.market_id]:
        return SubscriptionAnswer(422, "unknown_locale", field="locale")
    if throttled := endpoint.throttle.admit(client, request.email):
        return SubscriptionAnswer(
            429, f"throttled_{throttled.counter}", retry_after_seconds=throttled.retry_after_seconds
        )
    if not endpoint.catalogue.sells(request.sku, request.market_id):
        return SubscriptionAnswer(422, "unknown_sku", field="sku")
    return None


def _subscribe(endpoint: Endpoint, request: SubscriptionRequest) -> SubscriptionAnswer:
    try:
        contact_id, created = _contact(endpoint, request)
        existing = endpoint.engage.find_back_in_stock_subscription(
            contact_id, request.sku, request.locale, request.market_id
        )
        if existing is not None:
            return SubscriptionAnswer(200, "already_subscribed", contact_created=created)
        endpoint.engage.create_back_in_stock_subscription(contact_id, request.sku, request.locale, request.market_id)
    except (ContactCreationInProgress, EngageRetryableError):
        return SubscriptionAnswer(503, "try_again")
    except EngageConflict:
        # Several contacts share the address (MultipleMatches): which one to subscribe is not ours to guess.
        return SubscriptionAnswer(409, "contact_ambiguous")
    except (EngageError, MappingError):
        return SubscriptionAnswer(502, "engage_refused")
    return SubscriptionAnswer(201, "subscribed", contact_created=created)


def _contact(endpoint: Endpoint, request: SubscriptionRequest) -> tuple[str, bool]:
    cfg = endpoint.cfg
    if member := endpoint.contacts.find(request.email, cfg.contact_types.member):
        return member, False
    contact = ContactCreate(
        contact_type=cfg.contact_types.newsletter,
        email=request.email,
        country_code=request.country_code,
        preferences=Preferences(accepts_email=request.newsletter),
    )
    store = store_external_id(cfg, StoreContext("back_in_stock_subscription", request.market_id))
    return endpoint.contacts.find_or_create(contact, store)
