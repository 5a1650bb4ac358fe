"""Contacts: lookup, read, create, PATCH, type change and bulk, as Engage answers them.

Sources: Voyado "find contact" (codes and status per case), "create contact" (query parameters, type
must exist, default ``Member``), "update contact" (every field present is written, null and empty
included; type changes only through ``updateContactType``), "bulk contacts API" (4000 per request).
"""

import re
from typing import Any

from engage_bridge_tools.sandbox.protocol import Reply, Request, error, invalid, issue
from engage_bridge_tools.sandbox.state import SandboxState, now_iso

BULK_LIMIT = 4000
KEY_FIELDS = ("email", "mobilePhone", "externalId", "socialSecurityNumber", "memberNumber")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+\d{6,15}$")
# Fields the contact resource keeps outside ``attributes`` (SDK IApiContact).
_BLOCKS = ("preferences", "consents")


def lookup(state: SandboxState, request: Request) -> Reply:  # noqa: PLR0911 - one per documented answer
    email, phone, custom_key = (request.query.get(name) for name in ("email", "mobilePhone", "customKey"))
    contact_type = request.query.get("contactType")
    if email is None and phone is None and custom_key is None:
        return error(400, "InvalidSearchQuery", "Give email, mobilePhone or customKey.")
    if email is not None and not _EMAIL.match(email):
        return error(400, "InvalidEmailAddress", "The e-mail address is not valid.")
    if phone is not None and not _PHONE.match(phone):
        return error(400, "InvalidPhoneNumber", "The mobile phone number is not valid.")
    if contact_type is not None and contact_type not in state.tenant.contact_types:
        return error(400, "InvalidContactType", f"Contact type '{contact_type}' does not exist.")
    matches = [
        contact["id"]
        for contact in state.contacts.values()
        if (contact_type is None or contact["contactType"] == contact_type)
        and _matches(contact["fields"], email, phone, custom_key)
    ]
    if not matches:
        return error(404, "ContactNotFound", "No contact matches the query.")
    if len(matches) > 1:
        return error(
            409, "MultipleMatches", "More than one contact matches.", messageDetails={"multipleMatchesFound": matches}
        )
    return Reply(200, matches[0])


def _matches(fields: dict[str, Any], email: str | None, phone: str | None, custom_key: str | None) -> bool:
    if email is not None and str(fields.get("email") or "").casefold() != email.casefold():
        return False
    if phone is not None and fields.get("mobilePhone") != phone:
        return False
    return custom_key is None or custom_key in (fields.get("memberNumber"), fields.get("externalId"))


def get(state: SandboxState, request: Request) -> Reply:
    contact = state.contacts.get(request.params["contact_id"])
    if contact is None:
        return error(404, "ContactNotFound", "Contact not found.")
    return Reply(200, resource(contact))


def create(state: SandboxState, request: Request) -> Reply:
    body = request.body
    if not isinstance(body, dict):
        return invalid(400, "Contact is not valid", [issue("InvalidBody", "Body", "Expected a JSON object.")])
    contact_type = body.get("contactType") or "Member"
    problems = check_new_contact(state, body, contact_type)
    if problems:
        return invalid(400, "Contact is not valid", problems)
    contact = add_contact(state, body, contact_type, request.query.get("source"), request.query.get("storeExternalId"))
    return Reply(201, resource(contact))


def check_new_contact(state: SandboxState, body: dict[str, Any], contact_type: str) -> list[dict[str, str]]:
    problems = []
    if contact_type not in state.tenant.contact_types:
        problems.append(issue("InvalidContactType", "ContactType", f"Contact type '{contact_type}' does not exist."))
    if not any(body.get(key) for key in KEY_FIELDS):
        problems.append(issue("MissingKey", "Email", "The contact has no key attribute."))
    email = body.get("email")
    if email and (not isinstance(email, str) or not _EMAIL.match(email)):
        problems.append(issue("InvalidEmailAddress", "Email", "The e-mail address is not valid."))
    return problems


def add_contact(
    state: SandboxState, body: dict[str, Any], contact_type: str, source: str | None, store: str | None
) -> dict[str, Any]:
    """Store a new contact. Duplicate keys are allowed on purpose: a bridge that creates twice is caught."""
    contact_id = state.new_id()
    fields = {key: value for key, value in body.items() if key not in ("contactType", "id")}
    contact = {
        "id": contact_id,
        "contactType": contact_type,
        "fields": fields,
        "meta": {"source": source, "storeExternalId": store, "createdOn": now_iso()},
        "patches": [],
    }
    state.contacts[contact_id] = contact
    return contact


def patch(state: SandboxState, request: Request) -> Reply:
    contact = state.contacts.get(request.params["contact_id"])
    if contact is None:
        return error(404, "ContactNotFound", "Contact not found.")
    if not isinstance(request.body, dict):
        return invalid(400, "Contact is not valid", [issue("InvalidBody", "Body", "Expected a JSON object.")])
    apply_patch(contact, request.body)
    return Reply(200, resource(contact))


def apply_patch(contact: dict[str, Any], body: dict[str, Any]) -> None:
    """Write every field present, null and empty included, exactly as Engage does."""
    for key, value in body.items():
        if key in ("contactType", "id"):
            continue  # the type changes only through updateContactType; unknown fields are ignored
        held = contact["fields"].get(key)
        if isinstance(value, dict) and isinstance(held, dict):
            held.update(value)
        else:
            contact["fields"][key] = value
    contact["patches"].append(sorted(key for key in body if key not in ("contactType", "id")))


def change_type(state: SandboxState, request: Request) -> Reply:
    contact = state.contacts.get(request.params["contact_id"])
    if contact is None:
        return error(404, "ContactNotFound", "Contact not found.")
    new_type = request.query.get("contactTypeId")
    if not new_type or new_type not in state.tenant.contact_types:
        return error(400, "InvalidContactType", f"Contact type '{new_type}' does not exist.")
    contact["contactType"] = new_type
    return Reply(200, resource(contact))


def bulk(state: SandboxState, request: Request) -> Reply:
    items = request.body
    if not isinstance(items, list):
        return invalid(400, "Batch is not valid", [issue("InvalidBody", "Body", "Expected a JSON array.")])
    if len(items) > BULK_LIMIT:
        return invalid(400, "Batch is not valid", [issue("TooManyContacts", "Body", f"At most {BULK_LIMIT} contacts.")])
    default_type = request.query.get("contactType") or "Member"
    batch: dict[str, Any] = {
        "batchId": state.new_id(),
        "status": "Completed",
        "created": 0,
        "updated": 0,
        "failed": 0,
        "errors": [],
    }
    for index, item in enumerate(items):
        outcome = _bulk_item(state, request.method, item, default_type)
        if outcome is None:
            batch["created" if request.method == "POST" else "updated"] += 1
        else:
            batch["failed"] += 1
            batch["errors"].append({"index": index, "reason": outcome})
    state.bulk_batches[batch["batchId"]] = batch
    state.bulk_reads_left[batch["batchId"]] = state.bulk_status_reads_before_done
    return Reply(202, batch["batchId"])


def _bulk_item(state: SandboxState, method: str, item: Any, default_type: str) -> str | None:
    if not isinstance(item, dict):
        return "InvalidBody"
    contact_type = item.get("contactType") or default_type
    if method == "POST":
        problems = check_new_contact(state, item, contact_type)
        if problems:
            return problems[0]["validationErrorCode"]
        add_contact(state, item, contact_type, None, None)
        return None
    target = state.contacts.get(str(item.get("id") or ""))
    if target is None and isinstance(item.get("email"), str):
        found = [
            contact
            for contact in state.contacts.values()
            if contact["contactType"] == contact_type
            and str(contact["fields"].get("email") or "").casefold() == item["email"].casefold()
        ]
        target = found[0] if len(found) == 1 else None
    if target is None:
        return "ContactNotFound"
    apply_patch(target, item)
    return None


def bulk_status(state: SandboxState, request: Request) -> Reply:
    batch = state.bulk_batches.get(request.query.get("batchId") or "")
    if batch is None:
        return error(404, "BatchNotFound", "Batch not found.")
    left = state.bulk_reads_left.get(batch["batchId"], 0)
    if left > 0:  # the rows are applied at once; only the reported status lags, as a busy Engage's would
        state.bulk_reads_left[batch["batchId"]] = left - 1
        return Reply(200, {**batch, "status": "Processing"})
    return Reply(200, batch)


def resource(contact: dict[str, Any]) -> dict[str, Any]:
    """The GET shape: ``{id, attributes, meta, preferences, consents}`` (SDK IApiContact)."""
    fields = contact["fields"]
    return {
        "id": contact["id"],
        "attributes": {key: value for key, value in fields.items() if key not in _BLOCKS},
        "meta": {"contactType": contact["contactType"], **contact["meta"]},
        "preferences": fields.get("preferences") or {},
        "consents": fields.get("consents") or [],
    }
