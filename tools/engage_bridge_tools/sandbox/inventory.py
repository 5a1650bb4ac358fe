"""Stock levels and back-in-stock subscriptions.

Sources: Voyado "back in stock" (subscription fields, 201, contact must exist, a subscription is used up
once it triggered), v2 Swagger ``PUT /api/v2/inventory/stock-levels[/batch]`` (200 "OK"; no v3 path is
evidenced), seed 004 (quantity is the absolute free-to-allocate level; ``externalId`` is the market id).
The trigger rule "a level rising from 0 to above 0" and "an unknown level counts as 0" are assumptions
(docs/sandbox.md).
"""

from typing import Any

from engage_bridge_tools.sandbox.protocol import Reply, Request, error
from engage_bridge_tools.sandbox.state import SandboxState, now_iso


def put_levels(state: SandboxState, request: Request) -> Reply:
    """The body fits the contract (an array of ``{sku, quantity:int, locale?, externalId?}``) before it gets here."""
    for level in request.body:
        set_level(state, level)
    return Reply(200)


def put_level(state: SandboxState, request: Request) -> Reply:
    set_level(state, request.body)
    return Reply(200)


def set_level(state: SandboxState, level: dict[str, Any]) -> None:
    sku, locale, market = level["sku"], level.get("locale"), level.get("externalId")
    key = f"{sku}|{locale or ''}|{market or ''}"
    previous = state.stock_levels.get(key, {}).get("quantity", 0)
    state.stock_levels[key] = {"sku": sku, "locale": locale, "externalId": market, "quantity": level["quantity"]}
    if previous <= 0 < level["quantity"]:
        _notify(state, sku, locale, market)


def _notify(state: SandboxState, sku: str, locale: str | None, market: str | None) -> None:
    # Fields given on both sides must agree; a field missing on either side does not restrict.
    for subscription_id, subscription in list(state.subscriptions.items()):
        if subscription["sku"] != sku:
            continue
        if locale and subscription["locale"] != locale:
            continue
        if market and subscription.get("externalId") and subscription["externalId"] != market:
            continue
        state.back_in_stock_notifications.append({**subscription, "notifiedOn": now_iso()})
        del state.subscriptions[subscription_id]


def subscribe(state: SandboxState, request: Request) -> Reply:
    body = request.body
    if body["contactId"] not in state.contacts:
        return error(404, "ContactNotFound", "Contact not found.")
    subscription = {
        "id": state.new_id(),
        "contactId": body["contactId"],
        "sku": body["sku"],
        "locale": body["locale"],
        "externalId": body.get("externalId"),
        "createdOn": now_iso(),
    }
    state.subscriptions[subscription["id"]] = subscription
    return Reply(201, subscription)


class SeedError(ValueError):
    """A ``POST /_sandbox/seed`` entry that cannot be applied; the message names the entry."""


def seed_subscription(state: SandboxState, index: int, item: Any) -> dict[str, Any]:
    """A back-in-stock subscription stored directly, its contact named by ``contactId`` or ``email``.

    The front end registers subscriptions with Engage itself (seed 004), so the bridge never creates them; a
    test or the demo seeds them. ``email`` (with an optional ``contactType``) must match exactly one contact,
    case-insensitively, like the contact lookup.
    """
    where = f"back_in_stock_subscriptions[{index}]"
    if not isinstance(item, dict):
        raise SeedError(f"{where}: expected an object")
    for name in ("sku", "locale"):
        if not isinstance(item.get(name), str) or not item[name]:
            raise SeedError(f"{where}.{name}: required")
    contact_id = item.get("contactId") or _contact_by_email(state, where, item.get("email"), item.get("contactType"))
    if contact_id not in state.contacts:
        raise SeedError(f"{where}.contactId: no such contact")
    subscription = {
        "id": state.new_id(),
        "contactId": contact_id,
        "sku": item["sku"],
        "locale": item["locale"],
        "externalId": item.get("externalId"),
        "createdOn": now_iso(),
    }
    state.subscriptions[subscription["id"]] = subscription
    return subscription


def _contact_by_email(state: SandboxState, where: str, email: Any, contact_type: Any) -> str:
    if not isinstance(email, str) or not email:
        raise SeedError(f"{where}: give contactId or email")
    matches = [
        contact["id"]
        for contact in state.contacts.values()
        if str(contact["fields"].get("email") or "").casefold() == email.casefold()
        and (contact_type is None or contact["contactType"] == contact_type)
    ]
    if len(matches) != 1:
        # The address itself stays out of the message (it may end up in a log).
        raise SeedError(f"{where}.email: {len(matches)} contacts match; exactly one must (add contactType?)")
    return str(matches[0])


def unsubscribe(state: SandboxState, request: Request) -> Reply:
    if state.subscriptions.pop(request.params["subscriptionId"], None) is None:
        return error(404, "SubscriptionNotFound", "Subscription not found.")
    return Reply(204)


def contact_subscriptions(state: SandboxState, request: Request) -> Reply:
    contact_id = request.params["contactId"]
    if contact_id not in state.contacts:
        return error(404, "ContactNotFound", "Contact not found.")
    return Reply(200, [item for item in state.subscriptions.values() if item["contactId"] == contact_id])
