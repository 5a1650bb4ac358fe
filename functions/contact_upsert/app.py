"""Lambda entry point: creates or updates Engage contacts for Centra customers and newsletter subscribers."""

import os

# Before pydantic: Powertools' batch types define its parser's pydantic models when pydantic is already loaded
# (aws_lambda_powertools/utilities/batch/types.py, ``has_pydantic``); the bridge uses none of them (issue 18).
import aws_lambda_powertools.utilities.batch  # noqa: F401

from engage_bridge.effects.contact_upsert import upsert_contact
from engage_bridge.messages import ContactUpsert
from engage_bridge.wiring import sqs_lambda_handler

lambda_handler = sqs_lambda_handler(ContactUpsert, upsert_contact, os.environ)
