"""The demo's product feeds: the stack's ``ProductFeedFunction`` run as its daily schedule runs it.

Run once before the storefront's subscriptions (it writes the SKU index the endpoint checks) and once after the
restocks, to show each locale's file in the stack's feed bucket with its item count.
"""

from typing import Any

from engage_bridge_tools.local.invoke import function_named
from engage_bridge_tools.local.session import LocalSession

FEED_FUNCTION = "product_feed"


def write_feeds(session: LocalSession) -> dict[str, str]:
    """Run the feed function; per locale, where its file went and how many items (and out of stock) it holds."""
    logical_id = function_named(session.runtime.stack, FEED_FUNCTION)
    result: dict[str, Any] = session.runtime.pools[logical_id].invoke({"mode": "full"})
    bucket = session.runtime.stack.resources["ProductFeedBucket"]
    return {
        str(feed["locale"]): f"s3://{bucket}/{feed['key']}: {feed['items']} items, {feed['out_of_stock']} out of stock"
        for feed in result["files"]
    }
