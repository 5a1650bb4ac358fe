"""The demo's product feeds: the stack's ``ProductFeedFunction`` run as its daily schedule runs it.

Run once before the storefront's subscriptions (it writes the SKU index the endpoint checks) and once after the
restocks, to show each locale's file with its item count. The bucket is moto's, so each file is also copied to
``save_to`` for a look (``.local/demo-feeds/<locale>.xml``).
"""

from pathlib import Path
from typing import Any

import boto3

from engage_bridge_tools.local.invoke import function_named
from engage_bridge_tools.local.session import LocalSession

FEED_FUNCTION = "product_feed"


def write_feeds(session: LocalSession, save_to: Path | None = None) -> dict[str, str]:
    """Run the feed function; per locale, where its file is and how many items (and out of stock) it holds."""
    logical_id = function_named(session.runtime.stack, FEED_FUNCTION)
    result: dict[str, Any] = session.runtime.pools[logical_id].invoke({"mode": "full"})
    bucket = session.runtime.stack.resources["ProductFeedBucket"]
    shown: dict[str, str] = {}
    for feed in result["files"]:
        where = f"s3://{bucket}/{feed['key']}"
        if save_to is not None:
            save_to.mkdir(parents=True, exist_ok=True)
            copy = save_to / f"{feed['locale']}.xml"
            copy.write_bytes(boto3.client("s3").get_object(Bucket=bucket, Key=feed["key"])["Body"].read())
            where = str(copy)
        shown[str(feed["locale"])] = f"{where}: {feed['items']} items, {feed['out_of_stock']} out of stock"
    return shown
