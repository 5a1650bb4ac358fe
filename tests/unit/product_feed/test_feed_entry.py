"""The scheduled feed run: a full run rebuilds, a refresh run rebuilds only when a change marked the feed, and a
failed rebuild leaves the mark for the next window."""

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from engage_bridge.centra.display import Display
from engage_bridge.centra.outcomes import CentraRetryableError
from engage_bridge.product_feed.entry import feed_handler
from engage_bridge.product_feed.refresh import FeedRefreshMarker
from engage_bridge.subscriptions.catalogue import DynamoSkuCatalogue
from tests.aws import create_state_table
from tests.lambda_support import lambda_context
from tests.unit.product_feed.test_items_and_document import display

EXAMPLE = Path(__file__).resolve().parents[3] / "tools/engage_bridge_tools/data/brand.example.json"


class Centra:
    def __init__(self) -> None:
        self.reads = 0
        self.down = False

    def set_deadline(self, remaining: Any) -> None:
        return None

    def displays_in_market(
        self, market_id: int, warehouse_ids: Sequence[int], *, image_size: str = "standard", page_size: int = 50
    ) -> tuple[list[Display], list[int]]:
        if self.down:
            raise CentraRetryableError("DisplaysInMarket", 503)
        self.reads += 1
        return [display(1)], []


def _environ(config: Path) -> dict[str, str]:
    """The feed function's environment as the template sets it, with the brand configuration at ``config``."""
    return {
        "POWERTOOLS_SERVICE_NAME": "product-feed",
        "POWERTOOLS_METRICS_NAMESPACE": "CentraEngageBridgeTest",
        "ENVIRONMENT_NAME": "test",
        "STATE_TABLE_NAME": "state",
        "FEED_BUCKET_NAME": "feeds",
        "CENTRA_GRAPHQL_URL": "https://brand.centraqa.com/graphql",
        "CENTRA_TOKEN_SECRET": "centra/token",
        "BRAND_CONFIG_FILE": str(config),
    }


@pytest.fixture
def run(tmp_path: Path) -> Iterator[tuple[Any, Centra, Any]]:
    config = tmp_path / "brand.json"
    config.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    with mock_aws():
        s3, dynamodb = boto3.client("s3"), boto3.client("dynamodb")
        s3.create_bucket(Bucket="feeds", CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
        create_state_table(dynamodb)
        centra = Centra()
        handler = feed_handler(_environ(config), centra=centra, s3=s3, dynamodb=dynamodb)  # type: ignore[arg-type]
        yield handler, centra, dynamodb


def test_a_full_run_writes_every_locale_and_the_sku_index(run: Any) -> None:
    handler, centra, dynamodb = run

    result = handler({"mode": "full"}, lambda_context())

    assert sorted(f["locale"] for f in result["files"]) == ["de-DE", "en-GB", "sv-SE"]
    # The display has no price in market 2's pricelist: not in that market's feed, so not subscribable there
    assert result["skus_indexed"] == {"1": 2, "2": 0}
    catalogue = DynamoSkuCatalogue(dynamodb, "state")
    assert catalogue.sells("T1-M", "1") and not catalogue.sells("T1-M", "2")
    assert centra.reads == 2  # one read per market, shared by its locales


def test_a_refresh_run_rebuilds_only_after_a_change_and_once_per_window(run: Any) -> None:
    handler, centra, dynamodb = run
    marker = FeedRefreshMarker(dynamodb, "state")

    assert handler({"mode": "changes"}, lambda_context())["rebuilt"] is False
    assert centra.reads == 0
    for _ in range(20):
        marker.request()
    assert handler({"mode": "changes"}, lambda_context())["rebuilt"] is True
    assert handler({"mode": "changes"}, lambda_context())["rebuilt"] is False
    assert centra.reads == 2


def test_a_failed_rebuild_leaves_the_change_for_the_next_window(run: Any) -> None:
    handler, centra, dynamodb = run
    FeedRefreshMarker(dynamodb, "state").request()
    centra.down = True

    with pytest.raises(CentraRetryableError):
        handler({"mode": "changes"}, lambda_context())

    centra.down = False
    assert handler({"mode": "changes"}, lambda_context())["rebuilt"] is True  # the next window rebuilds


def test_with_the_feed_off_a_run_writes_nothing_and_does_not_fail(tmp_path: Path) -> None:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    del document["back_in_stock"]["product_feed"]
    config = tmp_path / "off.json"
    config.write_text(json.dumps(document), encoding="utf-8")
    centra = Centra()
    with mock_aws():
        s3, dynamodb = boto3.client("s3"), boto3.client("dynamodb")
        handler = feed_handler(_environ(config), centra=centra, s3=s3, dynamodb=dynamodb)  # type: ignore[arg-type]

        assert handler({"mode": "full"}, lambda_context()) == {"mode": "full", "rebuilt": False, "off": True}
    assert centra.reads == 0
