"""The Engage API client every handler uses: one per Lambda container, one method per operation.

Bodies are JSON-ready mappings (``engage.models`` produce them with ``model_dump(mode="json",
by_alias=True, exclude_none=True)``). Methods return small values and raise ``engage.outcomes`` errors;
no httpx exception ever leaves this package. How each operation may be retried:

- idempotent, resent freely: lookups, GETs, PATCH, contact type change, stock levels (absolute
  quantities), receipts (Engage ignores a repeated ``uniqueReceiptId``), redeem (a second redeem cannot
  redeem twice; ``PromotionAlreadyRedeemed`` after an unanswered attempt counts as success);
- verified with a GET before a resend: create contact (lookup by e-mail and contact type), back-in-stock
  subscription (the contact's subscriptions);
- never resent after an unanswered attempt: orders (Engage does not deduplicate them, so a resend is a
  second e-mail) and bulk creation. The caller gets ``EngageRetryableError(maybe_applied=True)``.
"""

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import httpx
from aws_lambda_powertools import Logger

from engage_bridge.config import EngageConnection, EngageTimeouts
from engage_bridge.engage import paths
from engage_bridge.engage.api_key import StoredEngageApiKey
from engage_bridge.engage.contact_changes import changed_fields
from engage_bridge.engage.outcomes import EngageConflict, EngageNotFound, EngageUnexpectedResponse
from engage_bridge.engage.rate_limit import RateLimiter, TokenBucket, container_share
from engage_bridge.engage.retry import Deadline, RetryPolicy
from engage_bridge.engage.session import ApiKey, Call, EngageSession, Verified

BULK_LIMIT = 4000  # contacts per bulk request (Voyado, bulk contacts API)
REDEMPTION_CHANNELS = frozenset({"ECOM", "POS", "OTHER"})

Body = Mapping[str, Any]


class EngageClient:
    """Typed operations on one Engage tenant, with retries, rate limiting and safe logging."""

    def __init__(
        self,
        base_url: str,
        api_key: ApiKey,
        *,
        source: str = "ECOM",
        user_agent: str = "brand",
        timeouts: EngageTimeouts | None = None,
        requests_per_second: float | None = 40.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        remaining_time_ms: Callable[[], int] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        logger: Logger | None = None,
        observe_latency: Callable[[float], None] | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        """``requests_per_second=None`` disables the client-side rate limiter (tests, benchmarks).

        ``rate_limiter`` replaces the per-client token bucket: the deployed functions pass the stack's shared budget
        (``engage.budget.SharedBudget``). ``observe_latency`` receives every attempt's duration in milliseconds
        (the handlers' EngageLatency metric).
        """
        self.source = source
        self.timeouts = timeouts or EngageTimeouts()
        self._sleep = sleep
        limiter = rate_limiter
        if limiter is None and requests_per_second is not None:
            limiter = TokenBucket(requests_per_second, sleep=sleep)
        self._session = EngageSession(
            base_url,
            api_key,
            user_agent=user_agent,
            connect_timeout=self.timeouts.connect,
            retry=retry or RetryPolicy(),
            rate_limiter=limiter,
            transport=transport,
            sleep=sleep,
            logger=logger,
            observe_latency=observe_latency,
        )
        self.set_deadline(remaining_time_ms)

    @classmethod
    def from_config(
        cls,
        connection: EngageConnection,
        *,
        requests_per_second: float | None,
        concurrent_containers: int = 1,
        api_key: ApiKey | None = None,
        **kwargs: Any,
    ) -> Self:
        """A client for ``connection`` within the stack's Engage budget (a static share, or ``rate_limiter``).

        ``requests_per_second`` is the budget of everything sharing the API key (the stack parameter
        ``EngageRequestsPerSecond``), split evenly over ``concurrent_containers`` in whole requests per second
        (``container_share``); None means no limit, or the ``rate_limiter`` passed (the stack's shared budget).
        """
        share = None if requests_per_second is None else container_share(requests_per_second, concurrent_containers)
        return cls(
            str(connection.base_url),
            api_key if api_key is not None else StoredEngageApiKey(connection.api_key_secret),
            source=connection.source,
            user_agent=connection.user_agent,
            timeouts=connection.timeouts,
            requests_per_second=share,
            **kwargs,
        )

    # --- lifecycle -------------------------------------------------------------------------------------

    def set_deadline(self, remaining_time_ms: Callable[[], int] | None) -> None:
        """Bind the current invocation's remaining time; sleeps and timeouts never outlast it."""
        self._session.deadline = Deadline(remaining_time_ms)

    @property
    def rate_limiter(self) -> RateLimiter | None:
        """What each request waits on: the stack's shared budget in a deployed function."""
        return self._session.rate_limiter

    def set_rate(self, requests_per_second: float | None) -> None:
        """Change this client's share of the Engage budget; None lifts the limit (benchmarks, tests)."""
        self._session.set_rate_limiter(
            None if requests_per_second is None else TokenBucket(requests_per_second, sleep=self._sleep)
        )

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # --- contacts --------------------------------------------------------------------------------------

    def find_contact_id(self, email: str, contact_type: str | None = None) -> str | None:
        """The id of the contact with this e-mail (of this type), or None when there is none.

        Raises ``EngageConflict`` (``MultipleMatches``, with ``matches``) when several contacts share it.
        """
        params = {"email": email}
        if contact_type:
            params["contactType"] = contact_type
        call = self._call("GET", paths.CONTACT_ID_LOOKUP, paths.CONTACT_ID_LOOKUP, params=params)
        try:
            response = self._send(call)
        except EngageNotFound:
            return None
        return _contact_id(call, response)

    def get_contact(self, contact_id: str) -> dict[str, Any]:
        call = self._call("GET", paths.CONTACT_TEMPLATE, paths.contact(contact_id))
        return _json_object(call, self._send(call))

    def changed_contact_ids(self, change_type: str, from_date: datetime, to_date: datetime) -> list[str]:
        """Ids of contacts ``Created``/``Updated``/``Deleted`` in ``[from_date, to_date]`` (no paging; Engage
        answers 400 above 250 000). Dates go as ``2023-05-04 11:05:00.000``, Voyado's example; its time zone is not
        documented, so callers read overlapping windows (engage-wave2.md §2)."""
        params = {"changeType": change_type, "fromDate": _voyado_date(from_date), "toDate": _voyado_date(to_date)}
        call = self._call("GET", paths.CONTACT_CHANGES, paths.CONTACT_CHANGES, params=params)
        body = _json(call, self._send(call))
        if not isinstance(body, list) or not all(isinstance(item, str) for item in body):
            raise EngageUnexpectedResponse(call.method, call.template, 200, None, "not a list of contact ids")
        return list(body)

    def create_contact(self, body: Body, *, store_external_id: str | None = None, source: str | None = None) -> str:
        """Create a contact and return its id. ``contactType`` and the key (``email``) go in ``body``.

        After an unanswered attempt the contact is looked up by e-mail and type before the POST is sent
        again (Voyado's retry policy), so a timeout that created the contact never creates a second one.
        """
        params = {"source": source or self.source}
        if store_external_id:
            params["storeExternalId"] = store_external_id
        call = self._call(
            "POST",
            paths.CONTACTS,
            paths.CONTACTS,
            params=params,
            body=body,
            timeout=self.timeouts.create_contact,
            idempotent=False,
        )
        email, contact_type = body.get("email"), body.get("contactType")

        def already_created() -> str | None:
            if not isinstance(email, str) or not email:
                return None
            return self.find_contact_id(email, contact_type if isinstance(contact_type, str) else None)

        outcome = self._session.send(call, verify=already_created if email else None)
        if isinstance(outcome, Verified):
            return outcome.value
        return _contact_id(call, outcome)

    def update_contact(
        self, contact_id: str, changes: Body, *, current: Mapping[str, Any] | None = None
    ) -> tuple[str, ...]:
        """PATCH only the non-empty fields of ``changes`` that differ from ``current``; return their names.

        Nothing is sent when nothing changed. ``current`` is what Engage holds, e.g. the ``attributes`` of
        ``get_contact``; without it every non-empty field is sent.
        """
        payload = changed_fields(changes, current)
        if not payload:
            return ()
        call = self._call("PATCH", paths.CONTACT_TEMPLATE, paths.contact(contact_id), body=payload)
        self._send(call)
        return tuple(payload)

    def change_contact_type(self, contact_id: str, contact_type: str) -> None:
        """The only way to change a contact's type in v3 (Voyado, update contact)."""
        call = self._call(
            "POST",
            paths.CONTACT_TYPE_CHANGE_TEMPLATE,
            paths.contact_type_change(contact_id),
            params={"contactTypeId": contact_type},
        )
        self._send(call)

    def delete_contact(self, contact_id: str, *, source: str | None = None) -> bool:
        """Erase a contact (``DELETE /api/v3/contacts/{id}?source=``): Engage soft-deletes it, restorable for seven
        days, then erases its personal data (engage-wave2.md §4). False when Engage answers 404: not found, or
        deleted already, which is the same outcome."""
        call = self._call(
            "DELETE", paths.CONTACT_TEMPLATE, paths.contact(contact_id), params={"source": source or self.source}
        )
        try:
            self._send(call)
        except EngageNotFound:
            return False
        return True

    def bulk_create_contacts(self, contacts: Sequence[Body], *, contact_type: str | None = None) -> list[str]:
        """Create contacts, at most 4000 per request; return one batch id per request."""
        params = {"contactType": contact_type} if contact_type else {}
        template = path = paths.CONTACTS_BULK
        return [
            self._batch_id(self._call("POST", template, path, params=params, body=chunk, idempotent=False))
            for chunk in _chunks(contacts, BULK_LIMIT)
        ]

    def bulk_update_contacts(
        self, contacts: Sequence[Body], *, contact_type: str | None = None, avoid_triggering_export: bool = False
    ) -> list[str]:
        """Update contacts, at most 4000 per request; return one batch id per request."""
        params = {"avoidTriggeringExport": "true" if avoid_triggering_export else "false"}
        if contact_type:
            params["contactType"] = contact_type
        return [
            self._batch_id(self._call("PATCH", paths.CONTACTS_BULK, paths.CONTACTS_BULK, params=params, body=chunk))
            for chunk in _chunks(contacts, BULK_LIMIT)
        ]

    def bulk_contacts_status(self, batch_id: str) -> dict[str, Any]:
        """The status object of a bulk batch (``GET .../contacts/bulk/status?batchId=``); its shape is undocumented."""
        call = self._call("GET", paths.CONTACTS_BULK_STATUS, paths.CONTACTS_BULK_STATUS, params={"batchId": batch_id})
        return _json_object(call, self._send(call))

    # --- transactions ----------------------------------------------------------------------------------

    def post_order(self, body: Body) -> None:
        """Trigger the order automation (``/api/v2/orders``, seed 001). Not resent after an unanswered attempt."""
        self._send(self._call("POST", paths.ORDERS, paths.ORDERS, body=body, idempotent=False))

    def post_receipt(self, body: Body) -> None:
        """Register a purchase or return receipt; safe to resend (``uniqueReceiptId`` deduplicates)."""
        self._send(self._call("POST", paths.RECEIPTS, paths.RECEIPTS, body=body))

    def imported_receipt_ids(self, contact_id: str, page_size: int = 100) -> set[str]:
        """The receipt ids among a contact's imported transactions (``GET .../contacts/{id}/transactions``).

        Engage imports receipts some time after accepting them (Voyado, introduction to receipts), and which
        ``TransactionItem`` field carries ``uniqueReceiptId`` is undocumented; the bridge sends the same value as
        ``receiptNumber``, so ``externalId``, ``transactionNumber`` and ``id`` are all read. Pages through the list.
        """
        found: set[str] = set()
        offset = 0
        while True:
            params = {"offset": str(offset), "count": str(page_size)}
            call = self._call(
                "GET", paths.CONTACT_TRANSACTIONS_TEMPLATE, paths.contact_transactions(contact_id), params=params
            )
            page = _json_object(call, self._send(call))
            items = [item for item in page.get("items") or [] if isinstance(item, dict)]
            for item in items:
                found.update(str(item[key]) for key in ("externalId", "transactionNumber", "id") if item.get(key))
            offset += len(items)
            total = page.get("totalCount")
            if not items or not isinstance(total, int) or offset >= total:
                return found

    def redeem_promotion(self, assignment_id: str, channel: str = "ECOM") -> None:
        """Redeem a promotion assignment. Raises ``EngageConflict`` if it was already redeemed or expired."""
        if channel not in REDEMPTION_CHANNELS:
            raise ValueError(f"redemption channel must be one of {sorted(REDEMPTION_CHANNELS)}")
        call = self._call(
            "POST",
            paths.PROMOTION_REDEEM_TEMPLATE,
            paths.promotion_redeem(assignment_id),
            body={"redemptionChannel": channel},
            timeout=self.timeouts.redeem,
        )
        try:
            self._send(call)
        except EngageConflict as conflict:
            # Our own unanswered attempt got past the point of no return; the redeem is done.
            if conflict.error_code == "PromotionAlreadyRedeemed" and conflict.earlier_attempt_maybe_applied:
                return
            raise

    # --- inventory -------------------------------------------------------------------------------------

    def update_stock_levels(self, levels: Sequence[Body]) -> None:
        """Send absolute stock levels (``sku``, ``quantity``, ``locale``, ``externalId``) in one batch."""
        if levels:
            self._send(self._call("PUT", paths.STOCK_LEVELS_BATCH, paths.STOCK_LEVELS_BATCH, body=list(levels)))

    def create_back_in_stock_subscription(
        self, contact_id: str, sku: str, locale: str, external_id: str | None = None
    ) -> str:
        """Subscribe an existing contact to a SKU in a locale (and market); return the subscription id."""
        body = {"contactId": contact_id, "sku": sku, "locale": locale}
        if external_id is not None:
            body["externalId"] = external_id
        call = self._call(
            "POST", paths.BACK_IN_STOCK_SUBSCRIPTIONS, paths.BACK_IN_STOCK_SUBSCRIPTIONS, body=body, idempotent=False
        )

        def already_subscribed() -> str | None:
            return self._find_subscription(contact_id, sku, locale, external_id)

        outcome = self._session.send(call, verify=already_subscribed)
        if isinstance(outcome, Verified):
            return outcome.value
        return _string_field(call, _json_object(call, outcome), "id")

    def find_back_in_stock_subscription(
        self, contact_id: str, sku: str, locale: str, external_id: str | None
    ) -> str | None:
        """The id of the contact's subscription to ``sku`` in ``locale`` (and market), or None."""
        return self._find_subscription(contact_id, sku, locale, external_id)

    def _find_subscription(self, contact_id: str, sku: str, locale: str, external_id: str | None) -> str | None:
        call = self._call(
            "GET", paths.CONTACT_BACK_IN_STOCK_TEMPLATE, paths.contact_back_in_stock_subscriptions(contact_id)
        )
        listing = self._send(call).json()
        for item in listing if isinstance(listing, list) else []:
            if (
                isinstance(item, dict)
                and (item.get("sku"), item.get("locale"), item.get("externalId")) == (sku, locale, external_id)
                and isinstance(item.get("id"), str)
            ):
                return str(item["id"])
        return None

    # --- plumbing --------------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        template: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Body | Sequence[Body] | None = None,
        timeout: float | None = None,
        idempotent: bool = True,
    ) -> Call:
        return Call(
            method=method,
            template=template,
            path=path,
            timeout=timeout if timeout is not None else self.timeouts.default,
            idempotent=idempotent,
            params=params or None,
            body=body,
        )

    def _send(self, call: Call) -> httpx.Response:
        outcome: httpx.Response | Verified[None] = self._session.send(call)
        if isinstance(outcome, Verified):  # pragma: no cover - only a verify callback produces one
            raise TypeError("unverifiable call reported a verified effect")
        return outcome

    def _batch_id(self, call: Call) -> str:
        body = _json(call, self._send(call))
        if isinstance(body, str) and body:
            return body
        if isinstance(body, dict):
            return _string_field(call, body, "batchId" if "batchId" in body else "id")
        raise EngageUnexpectedResponse(call.method, call.template, 200, None, "no batch id")


def _voyado_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def _chunks(items: Sequence[Body], size: int) -> Iterator[list[Body]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _json(call: Call, response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise EngageUnexpectedResponse(
            call.method, call.template, response.status_code, None, "body is not JSON"
        ) from None


def _json_object(call: Call, response: httpx.Response) -> dict[str, Any]:
    body = _json(call, response)
    if not isinstance(body, dict):
        raise EngageUnexpectedResponse(call.method, call.template, response.status_code, None, "body is not an object")
    return body


def _string_field(call: Call, body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise EngageUnexpectedResponse(call.method, call.template, 200, None, f"no {name} in body")
    return value


def _contact_id(call: Call, response: httpx.Response) -> str:
    """A contact id from a lookup (a JSON string) or a created contact (an object with ``id``)."""
    body = _json(call, response)
    if isinstance(body, str) and body:
        return body
    if isinstance(body, dict):
        return _string_field(call, body, "id")
    raise EngageUnexpectedResponse(call.method, call.template, response.status_code, None, "no contact id")
