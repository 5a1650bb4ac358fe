"""Lambda entry point: relays free-to-allocate stock levels to Engage for back-in-stock e-mails."""

import os

# Before pydantic: Powertools' batch types define its parser's pydantic models when pydantic is already loaded
# (aws_lambda_powertools/utilities/batch/types.py, ``has_pydantic``); the bridge uses none of them (issue 18).
import aws_lambda_powertools.utilities.batch  # noqa: F401

from engage_bridge.effects.stock_relay import relay_stock
from engage_bridge.messages import StockUpdate
from engage_bridge.wiring import sqs_lambda_handler

lambda_handler = sqs_lambda_handler(StockUpdate, relay_stock, os.environ, unused=frozenset({"contacts", "consent"}))
