"""Lambda entry point: Engage's preference webhooks via Svix (POST /engage/webhook) → the consent queue."""

import os

from engage_bridge.consent.entry import engage_webhook_handler

lambda_handler = engage_webhook_handler(os.environ)
