"""Lambda entry point: GET /feeds/{token}/{file}, a product feed for Engage's fetcher (path token checked)."""

import os

from engage_bridge.product_feed.entry import serve_handler

lambda_handler = serve_handler(os.environ)
