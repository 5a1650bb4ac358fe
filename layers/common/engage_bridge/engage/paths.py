"""Engage API paths the bridge uses: one place, shared by the client, the sandbox and ``engage-bridge map``.

``/api/v2/orders`` is the automation trigger the Centra plugin posts to (seed 001); v3 has no equivalent
that fires transactional e-mails. Everything else is v3, which Voyado recommends for new integrations.
Path segments built from ids are percent-encoded, so an id can never change which endpoint is called.
The ``*_TEMPLATE`` strings name an endpoint in logs and error messages without its ids.
"""

from urllib.parse import quote

CONTACT_ID_LOOKUP = "/api/v3/contacts/id"
CONTACTS = "/api/v3/contacts"
CONTACTS_BULK = "/api/v3/contacts/bulk"
CONTACTS_BULK_STATUS = "/api/v3/contacts/bulk/status"
ORDERS = "/api/v2/orders"
RECEIPTS = "/api/v3/receipts"
STOCK_LEVELS_BATCH = "/api/v3/inventory/stock-levels/batch"
BACK_IN_STOCK_SUBSCRIPTIONS = "/api/v3/inventory/backinstock/subscriptions"

CONTACT_TEMPLATE = f"{CONTACTS}/{{contactId}}"
CONTACT_TYPE_CHANGE_TEMPLATE = f"{CONTACTS}/{{contactId}}/updateContactType"
CONTACT_BACK_IN_STOCK_TEMPLATE = f"{CONTACTS}/{{contactId}}/backinstock/subscriptions"
PROMOTION_REDEEM_TEMPLATE = "/api/v3/promotion-assignments/{assignmentId}/redeem"


def _segment(value: str) -> str:
    return quote(value, safe="")


def contact(contact_id: str) -> str:
    return f"{CONTACTS}/{_segment(contact_id)}"


def contact_type_change(contact_id: str) -> str:
    return f"{CONTACTS}/{_segment(contact_id)}/updateContactType"


def contact_back_in_stock_subscriptions(contact_id: str) -> str:
    return f"{CONTACTS}/{_segment(contact_id)}/backinstock/subscriptions"


def promotion_redeem(assignment_id: str) -> str:
    return f"/api/v3/promotion-assignments/{_segment(assignment_id)}/redeem"
