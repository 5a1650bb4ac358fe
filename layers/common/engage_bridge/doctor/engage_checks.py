"""Engage checks: GET calls on evidenced endpoints only, and a plain list of what only a write can settle.

The probe address is on ``example.com`` (reserved, RFC 2606), so a lookup with it finds nobody and can never
name a real person: a 404 ``ContactNotFound`` proves the key works and, with ``contactType``, that the handle
exists, where an unknown handle is ``400 InvalidContactType`` (Voyado, find contact). The sample reads take a
contact id from ``contacts/changes`` (ids only, no personal data) and read it back the way the bridge does.
"""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from engage_bridge.config import BrandConfig
from engage_bridge.doctor.report import Check, Status, cannot_check, failed, passed
from engage_bridge.doctor.transport import Answer, EngageReader
from engage_bridge.engage import paths

PROBE_EMAIL = "engage-bridge-doctor@example.com"
LOOKUP = "/api/v3/contacts/id"
CHANGES = "/api/v3/contacts/changes"
CONSENTS = "/api/v3/consents"
SAMPLE_DAYS = 30

# What no read can settle, each with the write that would and its staging step in docs/go-live.md.
NEEDS_A_WRITE: tuple[tuple[str, str], ...] = (
    (
        "engage.order-status-tags",
        "only POST /api/v2/orders validates orderStatus (seed 001's real 422: 'Valid statuses are []'); "
        "send one order per configured tag on staging (go-live step E5)",
    ),
    (
        "engage.payment-status-tags",
        "only POST /api/v2/orders validates paymentStatus; send one order per configured tag on staging "
        "(go-live step E5)",
    ),
    (
        "engage.order-language",
        "whether /api/v2/orders requires language (docs: mandatory; seed 001: accepted without) shows only on a "
        "POST; one order for a non-default-language market on staging (go-live step E5)",
    ),
    (
        "engage.phone-validation",
        "Engage's phone rules show only on a member create; create members with a messy phone list on staging "
        "(go-live step E1)",
    ),
    (
        "engage.create-existing-key",
        "the answer to a create whose key exists (409 or the existing id) shows only on a create; go-live step E1",
    ),
    (
        "engage.receipt-import",
        "receipts are imported later and failures show only in Engage's integration log; post a receipt for a "
        "deleted contact on staging and read the log (go-live step E6)",
    ),
    (
        "engage.stock-levels-path",
        "PUT /api/v3/inventory/stock-levels/batch is not evidenced (only /api/v2) and is a write; one PUT on "
        "staging (go-live step E2)",
    ),
    (
        "engage.bulk-status",
        "the bulk status path and body follow a bulk write; one bulk PATCH of existing and unknown e-mails on "
        "staging (go-live steps E2, E3)",
    ),
    (
        "engage.promotion-redeem",
        "a redeem is a write; redeem one test assignment on staging, and check the front end sends the "
        "assignment id, not the promotionId",
    ),
    (
        "engage.error-envelope",
        "where Engage puts the error code on v3 404/409 answers shows on a failed write (go-live step E7)",
    ),
)


CONSENTS_CHECK = "engage.consents"
SAMPLE_READS = ("engage.contact-changes", "engage.contact-read", "engage.contact-transactions")


def engage_checks(
    engage: EngageReader, config: BrandConfig, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> Iterator[Check]:
    key = _api_key(engage)
    yield key
    if key.status is not Status.PASS:
        for name in (*_contact_type_names(config), *SAMPLE_READS, CONSENTS_CHECK):
            yield cannot_check(name, "needs an API key Engage accepts")
    else:
        yield from _contact_types(engage, config)
        yield from _sample_reads(engage, now())
        yield _consents(engage)
    yield _stores(config)
    for name, reason in NEEDS_A_WRITE:
        yield cannot_check(name, reason)


def _describe(answer: Answer) -> str:
    code = answer.error_code()
    return f"{answer.status} {code}" if code else str(answer.status)


def _api_key(engage: EngageReader) -> Check:
    answer = engage.get(LOOKUP, {"email": PROBE_EMAIL})
    name = "engage.api-key"
    if answer.status in (200, 404):
        return passed(name, f"accepted (a lookup of the probe address answered {_describe(answer)})")
    if answer.status in (401, 403):
        return failed(name, f"refused: GET {LOOKUP} answered {_describe(answer)}")
    return failed(name, f"GET {LOOKUP} answered {_describe(answer)}, expected 404 ContactNotFound")


def _roles(config: BrandConfig) -> dict[str, str]:
    """Handle per configuration field, each handle once; the newsletter type only when subscribers are synced."""
    roles = {"member": config.contact_types.member, "transactional": config.contact_types.transactional}
    if config.newsletter_subscribers:
        roles["newsletter"] = config.contact_types.newsletter
    return roles


def _contact_type_names(config: BrandConfig) -> list[str]:
    return [f"engage.contact-type.{role}" for role in _roles(config)]


def _accepts_type(engage: EngageReader, handle: str) -> tuple[bool, Answer]:
    answer = engage.get(LOOKUP, {"email": PROBE_EMAIL, "contactType": handle})
    # 404: nobody with the probe address of that type; 200 or 409 would also mean the type exists.
    return answer.status in (200, 404, 409), answer


def _case_variants(handle: str) -> list[str]:
    variants = [handle[:1].swapcase() + handle[1:], handle.lower(), handle[:1].upper() + handle[1:].lower()]
    return [variant for index, variant in enumerate(variants) if variant != handle and variant not in variants[:index]]


def _contact_types(engage: EngageReader, config: BrandConfig) -> Iterator[Check]:
    for role, handle in _roles(config).items():
        name = f"engage.contact-type.{role}"
        exists, answer = _accepts_type(engage, handle)
        if exists:
            yield passed(name, f"'{handle}' exists (lookup with contactType answered {_describe(answer)})")
            continue
        if answer.error_code() != "InvalidContactType" and answer.status != 400:
            yield failed(name, f"lookup with contactType '{handle}' answered {_describe(answer)}")
            continue
        known = next((variant for variant in _case_variants(handle) if _accepts_type(engage, variant)[0]), None)
        hint = (
            f"; Engage knows '{known}': set contact_types.{role} to '{known}' (handles match exactly)"
            if known
            else "; no other casing of it exists either: ask Voyado for the tenant's handle"
        )
        yield failed(name, f"'{handle}' is not a contact type on this tenant ({_describe(answer)}){hint}")


def _sample_reads(engage: EngageReader, now: datetime) -> Iterator[Check]:
    since = (now - timedelta(days=SAMPLE_DAYS)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.000")
    answer = engage.get(CHANGES, {"changeType": "Created", "fromDate": since})
    changes, *reads = SAMPLE_READS
    if not answer.ok or not isinstance(answer.body, list):
        reason = (
            f"GET {CHANGES} answered {_describe(answer)}: the changes feed may need activating by Voyado; "
            "it is only how the doctor finds a contact to read"
        )
        yield cannot_check(changes, reason)
        for name in reads:
            yield cannot_check(name, "no sample contact: the changes feed gave none")
        return
    yield passed(changes, f"readable; {len(answer.body)} contacts created in the last {SAMPLE_DAYS} days")
    sample = next((item for item in answer.body if isinstance(item, str) and item), None)
    if sample is None:
        for name in reads:
            yield cannot_check(name, f"no contact was created in the last {SAMPLE_DAYS} days to read back")
        return
    yield _contact_read(engage, sample)
    yield _transactions_read(engage, sample)


def _contact_read(engage: EngageReader, contact_id: str) -> Check:
    name = "engage.contact-read"
    answer = engage.get(paths.contact(contact_id))
    if not answer.ok:
        return failed(name, f"GET {paths.CONTACT_TEMPLATE} of a listed contact answered {_describe(answer)}")
    if not isinstance(answer.body, dict):
        return failed(name, f"GET {paths.CONTACT_TEMPLATE} answered something other than a JSON object")
    # The contact upsert compares fields under ``attributes`` (v3), or at the top level when there is none.
    fields = "under attributes" if isinstance(answer.body.get("attributes"), dict) else "at the top level"
    blocks = sorted(key for key in ("meta", "preferences", "consents") if key in answer.body)
    return passed(name, f"a contact reads with its fields {fields}, and {', '.join(blocks) or 'no other block'}")


def _transactions_read(engage: EngageReader, contact_id: str) -> Check:
    name = "engage.contact-transactions"
    answer = engage.get(f"{paths.contact(contact_id)}/transactions")
    if answer.ok:
        return passed(name, "a contact's transactions are readable (reconciliation reads imported receipts there)")
    return failed(name, f"GET /api/v3/contacts/{{id}}/transactions answered {_describe(answer)}")


def _consents(engage: EngageReader) -> Check:
    answer = engage.get(CONSENTS)
    if answer.ok and isinstance(answer.body, list):
        return passed(CONSENTS_CHECK, f"{len(answer.body)} consent definitions readable; the bridge writes no consent")
    return cannot_check(CONSENTS_CHECK, f"GET {CONSENTS} answered {_describe(answer)}; the bridge does not need it")


def _stores(config: BrandConfig) -> Check:
    named = sorted(set(config.store_ids.values()))
    literal = "{" not in config.store_external_id
    stores = [config.store_template] if literal else []
    listed = ", ".join(sorted({*named, *stores})) or "none listed"
    template = "" if literal else f" (and '{config.store_external_id}' per market or country)"
    return cannot_check(
        "engage.stores",
        f"no evidenced read lists Engage's stores; ask Voyado to confirm the store external ids {listed}{template}: "
        "a receipt for an unknown store fails only in Engage's integration log",
    )
