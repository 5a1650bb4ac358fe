"""Lambda entry point: relays free-to-allocate stock levels to Engage for back-in-stock e-mails."""

import os

import engage_bridge.batch_first  # noqa: F401 - first: see the module
from engage_bridge.effects.stock_relay import relay_stock
from engage_bridge.messages import StockUpdate
from engage_bridge.wiring import sqs_lambda_handler

lambda_handler = sqs_lambda_handler(StockUpdate, relay_stock, os.environ, unused=frozenset({"contacts", "consent"}))
