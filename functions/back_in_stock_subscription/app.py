"""Lambda entry point: the storefront's back-in-stock subscriptions (POST /back-in-stock/subscriptions)."""

import os

from engage_bridge.subscriptions.entry import subscription_handler

lambda_handler = subscription_handler(os.environ)
