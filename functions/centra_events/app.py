"""Lambda entry point: Centra's events queue → the ingest queue, on a schedule (the webhook's safety net)."""

import os

from engage_bridge.ingress.poller_entry import poller_handler

lambda_handler = poller_handler(os.environ)
