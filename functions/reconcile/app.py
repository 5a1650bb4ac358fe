"""Lambda entry point: the scheduled reconciliation (Centra's window vs the ledger → drift report and metric)."""

import os

from engage_bridge.reconcile.entry import reconcile_handler

lambda_handler = reconcile_handler(os.environ)
