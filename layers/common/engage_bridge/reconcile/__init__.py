"""Reconciliation: what Centra holds for a window, compared with what the ledger says happened (docs/reconcile.md).

``reconcile`` reads the window's orders and customers, derives every effect they imply with the router's own
rules, and judges each against the ledger (sent, skipped, failed, missing). ``spot_check`` looks a sample of
written contacts up in Engage; ``check_receipt_imports`` reads members' transactions back to tell receipts Engage
imported from those it only accepted; ``enqueue_missing`` puts objects with missing effects back on the ingest queue.
The scheduled Lambda (``engage_bridge.reconcile.entry``) and ``engage-bridge reconcile`` run the same code.
"""

from typing import TYPE_CHECKING

from engage_bridge.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from engage_bridge.reconcile.compare import LedgerReader as LedgerReader
    from engage_bridge.reconcile.compare import Reconciliation as Reconciliation
    from engage_bridge.reconcile.compare import reconcile as reconcile
    from engage_bridge.reconcile.fix import enqueue_missing as enqueue_missing
    from engage_bridge.reconcile.receipt_imports import check_receipt_imports as check_receipt_imports
    from engage_bridge.reconcile.report import DriftReport as DriftReport
    from engage_bridge.reconcile.report import ObjectReport as ObjectReport
    from engage_bridge.reconcile.source import CentraWindowReader as CentraWindowReader
    from engage_bridge.reconcile.spot_check import ContactLookup as ContactLookup

# Each name is imported from its own module on first use (PEP 562), so a function loads only the modules it
# reads, not every module of the package.
_HOMES = {
    "LedgerReader": "compare",
    "Reconciliation": "compare",
    "reconcile": "compare",
    "enqueue_missing": "fix",
    "check_receipt_imports": "receipt_imports",
    "DriftReport": "report",
    "ObjectReport": "report",
    "CentraWindowReader": "source",
    "ContactLookup": "spot_check",
}


__getattr__ = lazy_exports(__name__, _HOMES)


__all__ = [
    "CentraWindowReader",
    "ContactLookup",
    "DriftReport",
    "LedgerReader",
    "ObjectReport",
    "Reconciliation",
    "check_receipt_imports",
    "enqueue_missing",
    "reconcile",
]
