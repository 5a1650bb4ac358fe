"""Local invocations of the back-in-stock subscription endpoint: a fresh storefront proof, and its SKU index.

A sample request's proof expires within minutes (docs/back-in-stock.md), so ``local invoke`` signs it again with
the local storefront key, as it signs a sample webhook again with the webhook secret. The endpoint checks the SKU
against the index the product feed run writes, so the stack's ``ProductFeedFunction`` runs first, as its daily
schedule would.
"""

import base64
from collections.abc import Mapping
from typing import Any

from engage_bridge.subscriptions.proof import HEADER, sign
from engage_bridge_tools.local.session import LocalSession

FUNCTION_FOLDER = "back_in_stock_subscription"
FEED = "product_feed"
PROOF_SECONDS = 300


def is_storefront_request(event: Mapping[str, Any]) -> bool:
    return any(name.lower() == HEADER for name in event.get("headers") or {})


def sign_storefront_again(event: Mapping[str, Any], secret: str, now: int) -> dict[str, Any]:
    """The event with a proof over its raw body valid for ``PROOF_SECONDS`` from ``now``."""
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else str(body).encode("utf-8")
    headers = {name: value for name, value in (event.get("headers") or {}).items() if name.lower() != HEADER}
    return {**event, "headers": {**headers, HEADER: sign(secret, raw, now + PROOF_SECONDS)}}


def record_catalogue(session: LocalSession) -> int:
    """Run the stack's product feed (it writes the SKU index); return how many SKU entries it wrote."""
    feed = next(logical_id for logical_id, f in session.runtime.stack.functions.items() if f.code_dir.name == FEED)
    result: dict[str, Any] = session.runtime.pools[feed].invoke({"mode": "full"})
    return sum(int(count) for count in (result.get("skus_indexed") or {}).values())
