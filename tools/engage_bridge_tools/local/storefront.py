"""Local invocations of the back-in-stock subscription endpoint: a fresh storefront proof, and its SKU index.

A sample request's proof expires within minutes (docs/back-in-stock.md), so ``local invoke`` signs it again with
the local storefront key, as it signs a sample webhook again with the webhook secret. The endpoint checks the SKU
against the index the product-feed job is to write; locally it is written from the Centra fake's stock for every
market of the shop.
"""

import base64
from collections.abc import Mapping
from typing import Any

import boto3

from engage_bridge.subscriptions.catalogue import DynamoSkuCatalogue
from engage_bridge.subscriptions.proof import HEADER, sign
from engage_bridge_tools.local.session import LocalSession

FUNCTION_FOLDER = "back_in_stock_subscription"
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
    """Write the SKU index from the fake's stock for each of its markets; return how many entries were written."""
    if session.centra is None:
        return 0
    shop = session.centra.snapshot()
    skus = {str(level["productSize"]["SKU"]) for level in shop.get("stock", [])}
    catalogue = DynamoSkuCatalogue(boto3.client("dynamodb"), session.runtime.stack.resources["StateTable"])
    return sum(catalogue.record(str(market["id"]), skus) for market in shop.get("markets", []))
