"""The demo's storefront: back-in-stock subscriptions taken through the stack's ``POST /back-in-stock/subscriptions``.

The storefront's server signs each body with the key stored for the stack (docs/back-in-stock.md), computed here
by hand as a storefront would, not with the bridge's own code. One request is sent unsigned and one twice, so the
summary shows a refusal and idempotence next to the subscriptions taken. The SKU index the endpoint checks is
written by the stack's product feed run beforehand (``feeds.py``), from the fake's displays.
"""

import hashlib
import hmac
import json
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from engage_bridge.config import BrandConfig
from engage_bridge_tools.local.session import LocalSession

PATH = "/back-in-stock/subscriptions"
PROOF_SECONDS = 300
# What a storefront does with 503 try_again and 429 (docs/back-in-stock.md): send again a little later.
ATTEMPTS = 6
RETRY_SECONDS = 1.0
RETRIED_STATUSES = frozenset({429, 503})


def take_storefront_subscriptions(
    session: LocalSession, subscriptions: Iterable[Mapping[str, Any]], shop: Mapping[str, Any], cfg: BrandConfig
) -> dict[str, int]:
    """Post each subscription signed (and the first again, and once unsigned); count the answers by status."""
    url = session.runtime.route_url(PATH)
    key = session.endpoints.storefront_proof_secret
    answers: Counter[str] = Counter()
    bodies = [_body(item) for item in subscriptions]
    for body in [*bodies, *bodies[:1]]:
        answers[_post(url, body, key)] += 1
    for body in bodies[:1]:
        answers[_post(url, body, None)] += 1
    return dict(sorted(answers.items()))


def _body(item: Mapping[str, Any]) -> bytes:
    document = {
        "email": item["email"],
        "sku": item["sku"],
        "market": item["externalId"],
        "locale": item["locale"],
        "newsletter": False,
    }
    return json.dumps(document).encode()


def _proof(key: str, body: bytes) -> str:
    expires = int(time.time()) + PROOF_SECONDS
    digest = hmac.new(key.encode(), f"{expires}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={expires},v1={digest}"


def _post(url: str, body: bytes, key: str | None) -> str:
    """One request (unsigned without ``key``), sent again while the endpoint answers 503 or 429; its last answer."""
    for attempt in range(ATTEMPTS):
        headers = {"Content-Type": "application/json"}
        if key is not None:
            headers["X-Storefront-Proof"] = _proof(key, body)
        response = httpx.post(url, content=body, headers=headers, timeout=60)
        if response.status_code not in RETRIED_STATUSES or attempt == ATTEMPTS - 1:
            break
        time.sleep(RETRY_SECONDS)
    return f"{response.status_code} {response.json().get('status')}"
