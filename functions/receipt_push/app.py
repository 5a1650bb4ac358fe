"""Lambda entry point: registers purchase and return receipts for Engage members."""

import os

import engage_bridge.batch_first  # noqa: F401 - first: see the module
from engage_bridge.effects.receipt_push import push_receipt
from engage_bridge.messages import ReceiptPush
from engage_bridge.wiring import sqs_lambda_handler

lambda_handler = sqs_lambda_handler(ReceiptPush, push_receipt, os.environ, unused=frozenset({"consent"}))
