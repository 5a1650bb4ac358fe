"""Lambda entry point: preference changes Engage reported (consent queue) → state table, and Centra where allowed."""

import os

# Before pydantic: Powertools' batch types define its parser's pydantic models when pydantic is already loaded
# (aws_lambda_powertools/utilities/batch/types.py, ``has_pydantic``); the bridge uses none of them (issue 18).
import aws_lambda_powertools.utilities.batch  # noqa: F401

from engage_bridge.consent.entry import consent_lambda_handler

lambda_handler = consent_lambda_handler(os.environ)
