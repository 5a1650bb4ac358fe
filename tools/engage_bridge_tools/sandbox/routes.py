"""Which handler answers which Engage method and path."""

import re
from collections.abc import Callable

from engage_bridge.engage import paths
from engage_bridge_tools.sandbox import contacts, inventory, promotions, reads, transactions
from engage_bridge_tools.sandbox.protocol import Reply, Request
from engage_bridge_tools.sandbox.state import SandboxState

Handler = Callable[[SandboxState, Request], Reply]
_ID = r"[^/]+"


def _route(method: str, pattern: str, handler: Handler) -> tuple[str, re.Pattern[str], Handler]:
    return method, re.compile(f"^{pattern}$", re.IGNORECASE), handler


ROUTES: tuple[tuple[str, re.Pattern[str], Handler], ...] = (
    # Fixed paths before the {contactId} patterns they would otherwise match.
    _route("GET", re.escape(paths.CONTACT_ID_LOOKUP), contacts.lookup),
    _route("GET", re.escape(paths.CONTACTS_BULK_STATUS), contacts.bulk_status),
    _route("GET", "/api/v3/contacts/changes", reads.contact_changes),
    _route("GET", rf"{re.escape(paths.CONTACTS)}/(?P<contact_id>{_ID})/transactions", reads.contact_transactions),
    _route("GET", "/api/v3/consents", reads.consents),
    _route("POST", re.escape(paths.CONTACTS_BULK), contacts.bulk),
    _route("PATCH", re.escape(paths.CONTACTS_BULK), contacts.bulk),
    _route("POST", re.escape(paths.CONTACTS), contacts.create),
    _route("GET", rf"{re.escape(paths.CONTACTS)}/(?P<contact_id>{_ID})", contacts.get),
    _route("PATCH", rf"{re.escape(paths.CONTACTS)}/(?P<contact_id>{_ID})", contacts.patch),
    _route("POST", rf"{re.escape(paths.CONTACTS)}/(?P<contact_id>{_ID})/updateContactType", contacts.change_type),
    _route(
        "GET",
        rf"{re.escape(paths.CONTACTS)}/(?P<contact_id>{_ID})/backinstock/subscriptions",
        inventory.contact_subscriptions,
    ),
    _route("POST", re.escape(paths.ORDERS), transactions.post_order),
    _route("POST", re.escape(paths.RECEIPTS), transactions.post_receipt),
    _route("POST", rf"/api/v3/promotion-assignments/(?P<assignment_id>{_ID})/redeem", promotions.redeem),
    _route("PUT", re.escape(paths.STOCK_LEVELS_BATCH), inventory.put_levels),
    _route("PUT", "/api/v3/inventory/stock-levels", inventory.put_level),
    _route("POST", re.escape(paths.BACK_IN_STOCK_SUBSCRIPTIONS), inventory.subscribe),
    _route(
        "DELETE", rf"{re.escape(paths.BACK_IN_STOCK_SUBSCRIPTIONS)}/(?P<subscription_id>{_ID})", inventory.unsubscribe
    ),
)


def resolve(method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
    """The handler and path parameters for a request, or None (404 / 405 decided by the caller)."""
    for route_method, pattern, handler in ROUTES:
        match = pattern.match(path)
        if match and route_method == method:
            return handler, match.groupdict()
    return None


def path_exists(path: str) -> bool:
    return any(pattern.match(path) for _, pattern, _ in ROUTES)
