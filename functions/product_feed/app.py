"""Lambda entry point: Engage's product feeds per locale from Centra's displays, and the SKU index (scheduled)."""

import os

from engage_bridge.product_feed.entry import feed_handler

lambda_handler = feed_handler(os.environ)
