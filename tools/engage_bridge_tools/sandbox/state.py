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
# "Member" always exists (Voyado, contact types); the others are the Centra plugin's handles (seed 001).
DEFAULT_CONTACT_TYPES = ("Member", "member", "transactionalContact", "contact")


@dataclass
class Tenant:
    """The tenant configuration Voyado holds: contact types and order/payment status tags."""

    contact_types: list[str] = field(default_factory=lambda: list(DEFAULT_CONTACT_TYPES))
    order_statuses: list[str] = field(default_factory=lambda: list(CENTRA_ORDER_STATUSES))
    payment_statuses: list[str] = field(default_factory=lambda: list(CENTRA_PAYMENT_STATUSES))


@dataclass
class SandboxState:
    tenant: Tenant = field(default_factory=Tenant)
    seed: int = 0
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: list[dict[str, Any]] = field(default_factory=list)
    automations: list[dict[str, Any]] = field(default_factory=list)
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)
    duplicate_receipts: list[str] = field(default_factory=list)
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
            for name in _DATA_FIELDS:
                setattr(self, name, getattr(fresh, name))
            self._ids = random.Random(self.seed)  # noqa: S311 - repeatable ids, not secrets

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of the whole state, JSON-ready, with automation counts per (order number, status)."""
        with self.lock:
            data = {name: copy.deepcopy(getattr(self, name)) for name in _DATA_FIELDS}
            counts = Counter((item["orderNumber"], item["orderStatus"]) for item in self.automations)
        data["tenant"] = copy.deepcopy(self.tenant.__dict__)
        data["automation_counts"] = [
            {"orderNumber": number, "orderStatus": status, "count": count}
            for (number, status), count in sorted(counts.items())
        ]
        return data


_DATA_FIELDS = (
    "contacts",
    "orders",
    "automations",
    "receipts",
    "duplicate_receipts",
    "promotions",
    "stock_levels",
    "subscriptions",
    "back_in_stock_notifications",
    "bulk_batches",
    "requests",
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
