"""Read-only endpoints the go-live preflight uses: changed contact ids, a contact's transactions, consents.

Sources: Voyado "bulk contacts API" (``GET /api/v3/contacts/changes``: ``changeType`` Created/Updated/Deleted
and ``fromDate`` required, a JSON array of contact ids), the v2 Swagger (``/contacts/{id}/transactions``,
``/consents``). Minimal on purpose: the sandbox rewritten from the OpenAPI contract replaces this module.
"""

from datetime import UTC, datetime

from engage_bridge_tools.sandbox.protocol import Reply, Request, error
from engage_bridge_tools.sandbox.state import SandboxState

CHANGE_TYPES = ("Created", "Updated", "Deleted")


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # the docs show no offset


def contact_changes(state: SandboxState, request: Request) -> Reply:
    change_type = request.query.get("changeType")
    since = _moment(request.query.get("fromDate") or "")
    if change_type not in CHANGE_TYPES or since is None:
        return error(400, "InvalidQuery", "changeType (Created, Updated or Deleted) and fromDate are required.")
    if change_type == "Deleted":
        return Reply(200, [])  # the sandbox never deletes a contact
    ids = [
        contact_id
        for contact_id, contact in state.contacts.items()
        if (moment := _moment(str(contact["meta"].get("createdOn") or ""))) is not None
        and moment >= since
        and (change_type == "Created" or contact["patches"])
    ]
    return Reply(200, ids)


def contact_transactions(state: SandboxState, request: Request) -> Reply:
    contact_id = request.params["contact_id"]
    if contact_id not in state.contacts:
        return error(404, "ContactNotFound", "Contact not found.")
    receipts = [
        receipt
        for receipt in state.receipts.values()
        if isinstance(receipt.get("contact"), dict) and receipt["contact"].get("matchKey") == contact_id
    ]
    return Reply(200, receipts)


def consents(state: SandboxState, request: Request) -> Reply:
    return Reply(200, [])  # the sandbox tenant defines no consent
