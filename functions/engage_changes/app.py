"""Lambda entry point: the scheduled read of Engage's changed contacts (the safety net for missed webhooks)."""

import os

from engage_bridge.consent.entry import engage_changes_handler

lambda_handler = engage_changes_handler(os.environ)
