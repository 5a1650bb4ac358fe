"""Lambda entry point: Centra's signed webhook (POST /centra/webhook) → one ingest message per event."""

import os

from engage_bridge.ingress.webhook_entry import webhook_handler

lambda_handler = webhook_handler(os.environ)
