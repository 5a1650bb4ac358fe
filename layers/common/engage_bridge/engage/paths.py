"""Engage API paths the bridge uses: one place, shared by the client, the sandbox and ``engage-bridge map``.

``/api/v2/orders`` is the automation trigger the Centra plugin posts to (seed 001); v3 has no equivalent
that fires transactional e-mails. Everything else is v3, which Voyado recommends for new integrations.
"""

CONTACT_ID_LOOKUP = "/api/v3/contacts/id"
CONTACTS = "/api/v3/contacts"
CONTACTS_BULK = "/api/v3/contacts/bulk"
CONTACTS_BULK_STATUS = "/api/v3/contacts/bulk/status"
ORDERS = "/api/v2/orders"
RECEIPTS = "/api/v3/receipts"
STOCK_LEVELS_BATCH = "/api/v3/inventory/stock-levels/batch"
BACK_IN_STOCK_SUBSCRIPTIONS = "/api/v3/inventory/backinstock/subscriptions"


def contact(contact_id: str) -> str:
    return f"{CONTACTS}/{contact_id}"


def contact_type_change(contact_id: str) -> str:
    return f"{CONTACTS}/{contact_id}/updateContactType"


def promotion_redeem(assignment_id: str) -> str:
    return f"/api/v3/promotion-assignments/{assignment_id}/redeem"
