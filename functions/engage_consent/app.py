"""Lambda entry point: preference changes Engage reported (consent queue) → state table, and Centra where allowed."""

import os

from engage_bridge.consent.entry import consent_lambda_handler

lambda_handler = consent_lambda_handler(os.environ)
