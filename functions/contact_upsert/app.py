"""Lambda entry point: creates or updates Engage contacts for Centra customers and newsletter subscribers."""

import os

import engage_bridge.batch_first  # noqa: F401 - first: see the module
from engage_bridge.effects.contact_upsert import upsert_contact
from engage_bridge.messages import ContactUpsert
from engage_bridge.wiring import sqs_lambda_handler

lambda_handler = sqs_lambda_handler(ContactUpsert, upsert_contact, os.environ)
