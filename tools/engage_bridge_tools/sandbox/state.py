"""Everything the sandbox remembers, behind one lock.

Route handlers run with ``lock`` held, so each request's checks and effects are atomic; the HTTP threads
never touch the dictionaries otherwise. Ids come from a seeded generator, so a seeded run is repeatable.
"""

import copy
import random
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Centra's plugin asks Voyado for these tags (seed 001, "Configure your account in Voyado").
CENTRA_ORDER_STATUSES = ("ORDER_CREATED", "ORDER_SHIPPED", "ORDER_CANCELLED", "ORDER_RETURNED")
CENTRA_PAYMENT_STATUSES = ("PENDING", "SUCCESS", "FAILED")
# The Centra plugin's handles (seed 001), matched exactly as configured: a tenant whose handle is "Member" is
# another tenant (``--contact-types``), so a case mismatch in the brand's configuration fails here as on Engage.
DEFAULT_CONTACT_TYPES = ("member", "transactionalContact", "contact")
# What a create for a key that already exists gets: 409 ApprovedContactWithKeyExists (a third-party client's
# code list) or, as the v2 Swagger words it, the existing contact ("returns the GUID of the first entry found").
EXISTING_KEY_ANSWERS = ("conflict", "existing_id")


@dataclass
class Tenant:
    """The tenant configuration Voyado holds: contact types, their key, status tags, receipt import interval."""

    contact_types: list[str] = field(default_factory=lambda: list(DEFAULT_CONTACT_TYPES))
    order_statuses: list[str] = field(default_factory=lambda: list(CENTRA_ORDER_STATUSES))
    payment_statuses: list[str] = field(default_factory=lambda: list(CENTRA_PAYMENT_STATUSES))
    # The type a create without ``contactType`` gets (Voyado: "Member" on a tenant that has it).
    default_contact_type: str = "member"
    # The key attribute per contact type; a type not listed is keyed on ``email`` (the Centra plugin's setup).
    contact_keys: dict[str, str] = field(default_factory=dict)
    existing_key_answer: str = "conflict"
    # Receipts are queued and imported in intervals: 15 minutes by default on Engage, "configurable down to 0 for
    # testing". 0 imports at the sandbox's next tick (any later request, or a state read).
    receipt_import_seconds: float = 0.0
    # How long a create holds its key "being created" before it is stored (a concurrent create for the same key
    # meanwhile gets 409 ContactWithKeyIsBeingCreated).
    create_seconds: float = 0.0
    consents: list[dict[str, Any]] = field(default_factory=list)

    def key_of(self, contact_type: str) -> str:
        return self.contact_keys.get(contact_type, "email")

    def copy(self) -> "Tenant":
        return copy.deepcopy(self)


@dataclass
class SandboxState:
    tenant: Tenant = field(default_factory=Tenant)
    seed: int = 0
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Soft-deleted contacts (DELETE /api/v3/contacts/{id}): hidden from every read, restorable for seven days.
    deleted_contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: list[dict[str, Any]] = field(default_factory=list)
    automations: list[dict[str, Any]] = field(default_factory=list)
    # Receipts: accepted (202) into the queue, then imported into ``receipts`` or refused into the integration log.
    receipt_queue: list[dict[str, Any]] = field(default_factory=list)
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)
    receipt_contacts: dict[str, str] = field(default_factory=dict)  # uniqueReceiptId → the contact it went to
    duplicate_receipts: list[str] = field(default_factory=list)
    integration_log: list[dict[str, Any]] = field(default_factory=list)
    # Creates refused because the key exists or is being created: what a bridge that creates twice leaves behind.
    duplicate_creates: list[dict[str, Any]] = field(default_factory=list)
    # Keys being created: (contact type, key value) → the create in flight.
    creating: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    promotions: dict[str, dict[str, Any]] = field(default_factory=dict)
    stock_levels: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    back_in_stock_notifications: list[dict[str, Any]] = field(default_factory=list)
    bulk_batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Engage processes bulk batches asynchronously: a batch answers "Processing" to this many status reads first.
    bulk_status_reads_before_done: int = 0
    bulk_reads_left: dict[str, int] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _ids: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._ids = random.Random(self.seed)  # noqa: S311 - repeatable ids, not secrets

    def new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def reset(self, tenant: Tenant) -> None:
        with self.lock:
            fresh = SandboxState(tenant=tenant, seed=self.seed)
            for name in (*_DATA_FIELDS, "creating", "bulk_reads_left"):
                setattr(self, name, getattr(fresh, name))
            self._ids = random.Random(self.seed)  # noqa: S311 - repeatable ids, not secrets

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of the whole state, JSON-ready, with automation counts per (order number, status)."""
        with self.lock:
            data = {name: copy.deepcopy(getattr(self, name)) for name in _DATA_FIELDS}
            counts = Counter((item["orderNumber"], item["orderStatus"]) for item in self.automations)
            data["contacts_being_created"] = [
                {"contactType": key[0], "by": pending["by"]} for key, pending in self.creating.items()
            ]
        data["tenant"] = copy.deepcopy(self.tenant.__dict__)
        data["automation_counts"] = [
            {"orderNumber": number, "orderStatus": status, "count": count}
            for (number, status), count in sorted(counts.items())
        ]
        return data


_DATA_FIELDS = (
    "contacts",
    "deleted_contacts",
    "orders",
    "automations",
    "receipt_queue",
    "receipts",
    "receipt_contacts",
    "duplicate_receipts",
    "integration_log",
    "duplicate_creates",
    "promotions",
    "stock_levels",
    "subscriptions",
    "back_in_stock_notifications",
    "bulk_batches",
    "requests",
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
