"""Lambda entry point: transactional e-mails (created, shipped, cancelled, returned) through Engage /orders."""

import os

import engage_bridge.batch_first  # noqa: F401 - first: see the module
from engage_bridge.effects.order_email import send_order_email
from engage_bridge.messages import OrderEmail
from engage_bridge.wiring import sqs_lambda_handler

lambda_handler = sqs_lambda_handler(OrderEmail, send_order_email, os.environ, unused=frozenset({"consent"}))
