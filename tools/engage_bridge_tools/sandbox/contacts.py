"""Contacts: lookup, read, create, PATCH, type change, bulk and the read-only views, as Engage answers them.

Sources: Voyado "find contact" (codes and status per case), "create contact" (query parameters, type must
exist), "update contact" (every field present is written, null and empty included; type changes only through
``updateContactType``), "contact field definitions" (``mobilePhone`` is a ``PhoneNumber``), "timeout changes"
(504 after about 5 s, nothing created), the bulk contacts API (4000 per request), a third-party client's code list
for create (201; 409 ``ApprovedContactWithKeyExists`` / ``ContactWithKeyIsBeingCreated``; 422 validation) and the
v2 Swagger ("if the key already exists: returns the GUID of the first entry found", a tenant option here).
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import phonenumbers

from engage_bridge_tools.sandbox.protocol import Reply, Request, error, invalid, issue
from engage_bridge_tools.sandbox.state import SandboxState, now_iso

KEY_FIELDS = ("email", "mobilePhone", "externalId", "socialSecurityNumber", "memberNumber")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Fields the contact resource keeps outside ``attributes`` (SDK IApiContact).
_BLOCKS = ("preferences", "consents")
CREATED_ELSEWHERE = "elsewhere"  # meta.source of a contact the brand's own site created (create_elsewhere)


# --- phones -------------------------------------------------------------------------------------------------------


def phone_is_valid(value: str) -> bool:
    """Engage's ``PhoneNumber``: the country calling code is required, and the number must be valid for it.

    Voyado documents only "Country calling code is required"; libphonenumber's validity rules are the stricter
    reading, and Centra's plugin documents that Engage refuses a wrongly formatted phone (seed 001).
    """
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(number))


def _e164(value: str) -> str:
    try:
        return str(phonenumbers.format_number(phonenumbers.parse(value, None), phonenumbers.PhoneNumberFormat.E164))
    except phonenumbers.NumberParseException:
        return value


# --- lookups ------------------------------------------------------------------------------------------------------


def lookup(state: SandboxState, request: Request) -> Reply:  # noqa: PLR0911 - one per documented answer
    email, phone, custom_key = (request.query.get(name) for name in ("email", "mobilePhone", "customKey"))
    contact_type = request.query.get("contactType")
    if email is None and phone is None and custom_key is None:
        return error(400, "InvalidSearchQuery", "Give email, mobilePhone or customKey.")
    if email is not None and not _EMAIL.match(email):
        return error(400, "InvalidEmailAddress", "The e-mail address is not valid.")
    if phone is not None and not phone_is_valid(phone):
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
    if phone is not None and _e164(str(fields.get("mobilePhone") or "")) != _e164(phone):
        return False
    return custom_key is None or custom_key in (fields.get("memberNumber"), fields.get("externalId"))


def get(state: SandboxState, request: Request) -> Reply:
    contact = state.contacts.get(request.params["contactId"])
    if contact is None:
        return error(404, "ContactNotFound", "Contact not found.")
    return Reply(200, resource(contact))


def overview(state: SandboxState, request: Request) -> Reply:
    """``GET /api/v3/contactoverview``: by ``contactId``, or ``contactType`` plus a key (Voyado, enriched profile)."""
    query = request.query
    if query.get("contactId"):
        contact = state.contacts.get(query["contactId"])
    elif query.get("contactType"):
        found = lookup(state, request)
        if found.status != 200:
            return found
        contact = state.contacts.get(str(found.body))
    else:
        return error(400, "InvalidSearchQuery", "Give contactId, or contactType and a key.")
    if contact is None:
        return error(404, "ContactNotFound", "Contact not found.")
    view = resource(contact)
    return Reply(200, {**view, "contactType": contact["contactType"]})


def transactions(state: SandboxState, request: Request) -> Reply:
    """Imported receipts of one contact (SDK ``PagedResultOfTransactionItem``); queued ones are not there yet."""
    contact_id = request.params["contactId"]
    if contact_id not in state.contacts:
        return error(404, "ContactNotFound", "Contact not found.")
    offset = int(request.query.get("offset") or 0)
    count = int(request.query.get("count") or 100)
    owned = [receipt_id for receipt_id, owner in state.receipt_contacts.items() if owner == contact_id]
    items = [_transaction(receipt_id, state.receipts[receipt_id]) for receipt_id in owned]
    page = items[offset : offset + count]
    return Reply(200, {"items": page, "totalCount": len(items), "offset": offset, "count": count})


def _transaction(receipt_id: str, body: dict[str, Any]) -> dict[str, Any]:
    # Which TransactionItem field carries uniqueReceiptId is undocumented; externalId is the sandbox's choice.
    return {
        "id": receipt_id,
        "transactionNumber": str(body.get("receiptNumber") or ""),
        "externalId": receipt_id,
        "createdDate": str(body.get("createdDate") or ""),
        "storeName": str(body.get("storeExternalId") or ""),
        "numberOfItems": sum(int(item.get("quantity") or 0) for item in body.get("items") or []),
        "localCurrency": str(body.get("currency") or ""),
        "lineItems": list(body.get("items") or []),
    }


def changes(state: SandboxState, request: Request) -> Reply:
    """``GET /api/v3/contacts/changes``: ids created or updated in the window (dates read as UTC, an assumption)."""
    since = _date(request.query["fromDate"])
    until = _date(request.query["toDate"]) if request.query.get("toDate") else datetime.now(UTC)
    if since is None or until is None:
        return error(400, "InvalidDate", "fromDate and toDate must be dates such as 2023-05-04 11:05:00.000.")
    stamp = {"Created": "createdOn", "Updated": "updatedOn", "Deleted": "deletedOn"}[request.query["changeType"]]
    ids = [
        contact["id"]
        for contact in state.contacts.values()
        if (moment := _date(str(contact["meta"].get(stamp) or ""))) is not None and since <= moment <= until
    ]
    return Reply(200, ids)


def _date(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1)) if text else None
    except ValueError:
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def consents(state: SandboxState, request: Request) -> Reply:
    return Reply(200, list(state.tenant.consents))


# --- create -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PendingCreate:
    """A create that passed its checks and holds its key "being created" until it is stored or abandoned."""

    key: tuple[str, str]
    contact_type: str
    body: dict[str, Any]
    source: str | None
    store: str | None


def begin_create(state: SandboxState, request: Request) -> Reply | PendingCreate:
    """Check a create and claim its key; a reply when it is refused (422, 409), else the pending create."""
    body: dict[str, Any] = request.body
    contact_type = body.get("contactType") or state.tenant.default_contact_type
    problems = check_new_contact(state, body, contact_type)
    if problems:
        return invalid(422, "Contact is not valid", problems)
    key = _key(state, contact_type, body)
    existing = _with_key(state, key)
    if existing is not None:
        _refused(state, key, "ApprovedContactWithKeyExists")
        if state.tenant.existing_key_answer == "existing_id":
            return Reply(200, resource(existing))
        return error(409, "ApprovedContactWithKeyExists", "An approved contact with this key already exists.")
    if key in state.creating:
        _refused(state, key, "ContactWithKeyIsBeingCreated")
        return error(409, "ContactWithKeyIsBeingCreated", "A contact with this key is being created.")
    state.creating[key] = {"by": "request"}
    return PendingCreate(key, contact_type, body, request.query.get("source"), request.query.get("storeExternalId"))


def finish_create(state: SandboxState, pending: PendingCreate) -> Reply:
    state.creating.pop(pending.key, None)
    contact = add_contact(state, pending.body, pending.contact_type, pending.source, pending.store)
    return Reply(201, resource(contact))


def abandon_create(state: SandboxState, pending: PendingCreate) -> Reply:
    """The create timed out on Engage's side: rolled back, nothing created (Voyado, timeout changes)."""
    state.creating.pop(pending.key, None)
    return error(504, "RequestTimeOut", "The request timed out; no contact has been created.")


def create_elsewhere(
    state: SandboxState, contact_type: str, fields: dict[str, Any], ready_at: float
) -> tuple[str, str]:
    """Someone else (the brand's own sign-up) is creating this contact; it exists from ``ready_at`` (monotonic)."""
    key = _key(state, contact_type, fields)
    state.creating[key] = {"by": CREATED_ELSEWHERE, "ready_at": ready_at, "fields": dict(fields)}
    return key


def settle(state: SandboxState, now: float) -> None:
    """Store the creates made elsewhere whose time has come."""
    for key, pending in list(state.creating.items()):
        if pending["by"] == CREATED_ELSEWHERE and pending["ready_at"] <= now:
            del state.creating[key]
            add_contact(state, pending["fields"], key[0], CREATED_ELSEWHERE, None)


def _key(state: SandboxState, contact_type: str, fields: dict[str, Any]) -> tuple[str, str]:
    name = state.tenant.key_of(contact_type)
    value = str(fields.get(name) or "")
    if name == "email":
        value = value.casefold()
    elif name == "mobilePhone":
        value = _e164(value)
    return contact_type, f"{name}={value}"


def _with_key(state: SandboxState, key: tuple[str, str]) -> dict[str, Any] | None:
    for contact in state.contacts.values():
        if contact["contactType"] == key[0] and _key(state, key[0], contact["fields"]) == key:
            return contact
    return None


def _refused(state: SandboxState, key: tuple[str, str], code: str) -> None:
    # The key's value is personal data: the record names the type and the attribute, and the existing contact.
    existing = _with_key(state, key)
    state.duplicate_creates.append(
        {
            "contactType": key[0],
            "keyAttribute": key[1].split("=", 1)[0],
            "existingContactId": existing["id"] if existing else None,
            "code": code,
            "at": now_iso(),
        }
    )


def check_new_contact(state: SandboxState, body: dict[str, Any], contact_type: str) -> list[dict[str, str]]:
    problems = []
    if contact_type not in state.tenant.contact_types:
        problems.append(issue("InvalidContactType", "ContactType", f"Contact type '{contact_type}' does not exist."))
    key_name = state.tenant.key_of(contact_type)
    if not body.get(key_name):
        field = key_name[:1].upper() + key_name[1:]
        problems.append(issue("MissingKey", field, f"The contact type's key '{key_name}' is missing."))
    problems += check_fields(body)
    return problems


def check_fields(body: dict[str, Any]) -> list[dict[str, str]]:
    """What Engage validates on a contact's standard fields beyond their JSON shape."""
    problems = []
    email = body.get("email")
    if email and (not isinstance(email, str) or not _EMAIL.match(email)):
        problems.append(issue("InvalidEmailAddress", "Email", "The e-mail address is not valid."))
    phone = body.get("mobilePhone")
    if isinstance(phone, str) and phone and not phone_is_valid(phone):
        problems.append(issue("InvalidPhoneNumber", "MobilePhone", "The mobile phone number is not valid."))
    return problems


def add_contact(
    state: SandboxState, body: dict[str, Any], contact_type: str, source: str | None, store: str | None
) -> dict[str, Any]:
    """Store a new contact without the key check (seeding sets up whatever world a test needs)."""
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


# --- updates ------------------------------------------------------------------------------------------------------


def patch(state: SandboxState, request: Request) -> Reply:
    contact = state.contacts.get(request.params["contactId"])
    if contact is None:
        return error(404, "ContactNotFound", "Contact not found.")
    problems = check_fields(request.body)
    if problems:
        return invalid(422, "Contact is not valid", problems)
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
    contact["meta"]["updatedOn"] = now_iso()


def delete(state: SandboxState, request: Request) -> Reply:
    """Soft delete: the contact is gone from every read and lookup, kept (restorable) for seven days; 404 when it
    is not found or already deleted (Voyado, delete contact; data storage in Engage)."""
    contact = state.contacts.pop(request.params["contactId"], None)
    if contact is None:
        return error(404, "ContactNotFound", "Contact not found.")
    contact["meta"]["deletedOn"] = now_iso()
    contact["meta"]["deletedBySource"] = request.query.get("source")
    state.deleted_contacts[contact["id"]] = contact
    return Reply(200, None)


def change_type(state: SandboxState, request: Request) -> Reply:
    contact = state.contacts.get(request.params["contactId"])
    if contact is None:
        return error(404, "ContactNotFound", "Contact not found.")
    new_type = request.query["contactTypeId"]
    if new_type not in state.tenant.contact_types:
        return error(400, "InvalidContactType", f"Contact type '{new_type}' does not exist.")
    contact["contactType"] = new_type
    contact["meta"]["updatedOn"] = now_iso()
    return Reply(200, resource(contact))


# --- bulk ---------------------------------------------------------------------------------------------------------


def bulk(state: SandboxState, request: Request) -> Reply:
    """Rows applied at once; only the reported status lags. The status object's shape is undocumented (audit C5)."""
    items = request.body
    default_type = request.query.get("contactType") or state.tenant.default_contact_type
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


def _bulk_item(state: SandboxState, method: str, item: dict[str, Any], default_type: str) -> str | None:
    contact_type = item.get("contactType") or default_type
    if method == "POST":
        problems = check_new_contact(state, item, contact_type)
        if problems:
            return problems[0]["validationErrorCode"]
        key = _key(state, contact_type, item)
        if _with_key(state, key) is not None or key in state.creating:
            _refused(state, key, "ApprovedContactWithKeyExists")
            return "ApprovedContactWithKeyExists"
        add_contact(state, item, contact_type, None, None)
        return None
    problems = check_fields(item)
    if problems:
        return problems[0]["validationErrorCode"]
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
    batch = state.bulk_batches.get(request.query["batchId"])
    if batch is None:
        return error(404, "BatchNotFound", "Batch not found.")
    left = state.bulk_reads_left.get(batch["batchId"], 0)
    if left > 0:
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
