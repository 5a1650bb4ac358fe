"""The doctor's Engage checks against a scripted tenant: GET only, evidenced endpoints only (no sockets)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote

from engage_bridge.config import parse_config
from engage_bridge.doctor.engage_checks import NEEDS_A_WRITE, PROBE_EMAIL, engage_checks
from engage_bridge.doctor.report import Check, Status
from engage_bridge.doctor.transport import Answer

# The six read endpoints the evidence documents (task brief; engage-api.md §2, engage-wave2.md §2-3).
EVIDENCED = (
    re.compile(r"^/api/v3/contacts/id$"),
    re.compile(r"^/api/v3/contacts/[^/]+$"),
    re.compile(r"^/api/v3/contactoverview$"),
    re.compile(r"^/api/v3/contacts/[^/]+/transactions$"),
    re.compile(r"^/api/v3/contacts/changes$"),
    re.compile(r"^/api/v3/consents$"),
)
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@dataclass
class ScriptedEngage:
    """A tenant with exact-case contact types and some contacts; answers as Voyado documents."""

    contact_types: tuple[str, ...] = ("Member", "transactionalContact", "contact")
    key_ok: bool = True
    changes_active: bool = True
    contacts: dict[str, dict[str, object]] = field(default_factory=dict)
    sent: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Answer:  # noqa: PLR0911 - one per answer
        query = dict(params or {})
        self.sent.append((path, query))
        if not self.key_ok:
            return Answer(401, {"errorCode": "Unauthorized", "message": "Missing or invalid API key."})
        if path == "/api/v3/contacts/id":
            if "contactType" in query and query["contactType"] not in self.contact_types:
                return Answer(400, {"errorCode": "InvalidContactType", "message": "no such type"})
            return Answer(404, {"errorCode": "ContactNotFound", "message": "none"})
        if path == "/api/v3/contacts/changes":
            return Answer(200, list(self.contacts)) if self.changes_active else Answer(404, None)
        if path == "/api/v3/consents":
            return Answer(200, [{"id": "c1", "name": "terms"}])
        match = re.match(r"^/api/v3/contacts/([^/]+)(/transactions)?$", path)  # ids arrive percent-encoded
        if match and unquote(match.group(1)) in self.contacts:
            return Answer(200, []) if match.group(2) else Answer(200, self.contacts[unquote(match.group(1))])
        return Answer(404, {"errorCode": "NotFound"})


def _config(**overrides: object) -> object:
    document: dict[str, object] = {
        "engage": {"base_url": "https://brand.staging.voyado.com", "api_key_secret": "k"},
        "store_external_id": "{market}",
        "default_market": "Sweden",
        "store_ids": {"Rest of World": "RestOfWorld"},
        "default_language": "sv-SE",
    }
    document.update(overrides)
    return parse_config(document)


def _run(engage: ScriptedEngage, **overrides: object) -> dict[str, Check]:
    return {check.name: check for check in engage_checks(engage, _config(**overrides), now=lambda: NOW)}  # type: ignore[arg-type]


def test_only_gets_on_evidenced_endpoints_and_the_probe_address_names_nobody() -> None:
    engage = ScriptedEngage(contacts={"id-1": {"id": "id-1", "attributes": {}, "preferences": {}}})

    _run(engage, contact_types={"member": "Member"})

    assert engage.sent
    for path, query in engage.sent:
        assert any(pattern.match(path) for pattern in EVIDENCED), path
        assert query.get("email", PROBE_EMAIL) == PROBE_EMAIL
    assert PROBE_EMAIL.endswith("@example.com")  # reserved by RFC 2606: no real person's address


def test_handles_the_tenant_has_pass_and_a_wrong_case_fails_with_the_tenants_spelling() -> None:
    checks = _run(ScriptedEngage())  # configuration default: member

    member = checks["engage.contact-type.member"]
    assert member.status is Status.FAIL
    assert "'member' is not a contact type" in member.reason
    assert "set contact_types.member to 'Member'" in member.reason
    assert checks["engage.contact-type.transactional"].status is Status.PASS
    assert checks["engage.contact-type.newsletter"].status is Status.PASS


def test_the_newsletter_type_is_not_required_when_subscribers_are_not_synced() -> None:
    checks = _run(
        ScriptedEngage(contact_types=("Member", "transactionalContact")),
        newsletter_subscribers=False,
        contact_types={"member": "Member"},
    )

    assert "engage.contact-type.newsletter" not in checks
    assert all(check.status is not Status.FAIL for check in checks.values())


def test_a_refused_key_fails_and_leaves_the_reads_unjudged() -> None:
    checks = _run(ScriptedEngage(key_ok=False))

    assert checks["engage.api-key"].status is Status.FAIL
    assert "401" in checks["engage.api-key"].reason
    assert checks["engage.contact-type.member"].status is Status.CANNOT_CHECK
    assert checks["engage.contact-read"].status is Status.CANNOT_CHECK
    assert checks["engage.consents"].status is Status.CANNOT_CHECK


def test_sample_reads_read_a_listed_contact_back() -> None:
    engage = ScriptedEngage(contacts={"id-1": {"id": "id-1", "attributes": {"firstName": "x"}, "preferences": {}}})

    checks = _run(engage)

    assert checks["engage.contact-changes"].status is Status.PASS
    assert checks["engage.contact-read"].status is Status.PASS
    assert checks["engage.contact-transactions"].status is Status.PASS
    changes = next(query for path, query in engage.sent if path == "/api/v3/contacts/changes")
    assert changes == {"changeType": "Created", "fromDate": "2026-11-06 12:00:00.000"}


def test_a_contact_with_its_fields_at_the_top_level_still_reads() -> None:
    checks = _run(ScriptedEngage(contacts={"id/1": {"id": "id/1", "firstName": "x"}}))

    assert checks["engage.contact-read"].status is Status.PASS
    assert "at the top level" in checks["engage.contact-read"].reason


def test_a_changes_feed_that_is_not_activated_cannot_check_the_sample_reads() -> None:
    checks = _run(ScriptedEngage(changes_active=False))

    assert checks["engage.contact-changes"].status is Status.CANNOT_CHECK
    assert checks["engage.contact-read"].status is Status.CANNOT_CHECK


def test_stores_and_everything_only_a_write_settles_are_listed_as_cannot_check() -> None:
    checks = _run(ScriptedEngage())

    stores = checks["engage.stores"]
    assert stores.status is Status.CANNOT_CHECK
    assert "RestOfWorld" in stores.reason
    for name, _ in NEEDS_A_WRITE:
        assert checks[name].status is Status.CANNOT_CHECK
    assert "engage.order-status-tags" in checks
    assert "engage.payment-status-tags" in checks
