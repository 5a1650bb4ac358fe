"""Lambda entry point: preference changes Engage reported (consent queue) → state table, and Centra where allowed."""

import os

import engage_bridge.batch_first  # noqa: F401 - first: see the module
from engage_bridge.consent.entry import consent_lambda_handler

lambda_handler = consent_lambda_handler(os.environ)
