"""Lambda entry point: transactional e-mails (created, shipped, cancelled, returned) through Engage /orders."""

import os

# Before pydantic: Powertools' batch types define its parser's pydantic models when pydantic is already loaded
# (aws_lambda_powertools/utilities/batch/types.py, ``has_pydantic``); the bridge uses none of them (issue 18).
import aws_lambda_powertools.utilities.batch  # noqa: F401

from engage_bridge.effects.order_email import send_order_email
from engage_bridge.messages import OrderEmail
from engage_bridge.wiring import sqs_lambda_handler

lambda_handler = sqs_lambda_handler(OrderEmail, send_order_email, os.environ, unused=frozenset({"consent"}))
