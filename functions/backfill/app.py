"""Lambda entry point: the historical sync (backfill queue → Centra's history → bulk contacts and receipts)."""

import os

from engage_bridge.backfill.entry import BackfillLambda

lambda_handler = BackfillLambda(os.environ)
