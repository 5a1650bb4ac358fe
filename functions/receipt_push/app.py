"""Lambda entry point: registers purchase and return receipts for Engage members."""

import os

# Before pydantic: Powertools' batch types define its parser's pydantic models when pydantic is already loaded
# (aws_lambda_powertools/utilities/batch/types.py, ``has_pydantic``); the bridge uses none of them (issue 18).
import aws_lambda_powertools.utilities.batch  # noqa: F401

from engage_bridge.effects.receipt_push import push_receipt
from engage_bridge.messages import ReceiptPush
from engage_bridge.wiring import sqs_lambda_handler

lambda_handler = sqs_lambda_handler(ReceiptPush, push_receipt, os.environ, unused=frozenset({"consent"}))
