"""Lambda entry point: the router (ingest queue → Centra's current state → the five handler queues)."""

import os

from engage_bridge.wiring import router_lambda_handler

lambda_handler = router_lambda_handler(os.environ)
