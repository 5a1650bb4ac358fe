"""Reconciliation: what Centra holds for a window, compared with what the ledger says happened (docs/reconcile.md).

``reconcile`` reads the window's orders and customers, derives every effect they imply with the router's own
rules, and judges each against the ledger (sent, skipped, failed, missing). ``spot_check`` looks a sample of
written contacts up in Engage; ``check_receipt_imports`` reads members' transactions back to tell receipts Engage
imported from those it only accepted; ``enqueue_missing`` puts objects with missing effects back on the ingest queue.
The scheduled Lambda (``engage_bridge.reconcile.entry``) and ``engage-bridge reconcile`` run the same code.
"""

from engage_bridge.reconcile.compare import LedgerReader, Reconciliation, reconcile
from engage_bridge.reconcile.fix import enqueue_missing
from engage_bridge.reconcile.receipt_imports import check_receipt_imports
from engage_bridge.reconcile.report import DriftReport, ObjectReport
from engage_bridge.reconcile.source import CentraWindowReader
from engage_bridge.reconcile.spot_check import ContactLookup, spot_check

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
    "spot_check",
]
