"""The product feed from the Centra fake over loopback: every locale of the demo brand, in the format the evidence
describes, out-of-stock sizes kept; and the SKU index it writes lets the subscription endpoint take those SKUs."""

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from moto import mock_aws

from engage_bridge.centra.client import CentraClient
from engage_bridge.config import BrandConfig
from engage_bridge.contacts import ContactDirectory
from engage_bridge.engage.client import EngageClient
from engage_bridge.product_feed.run import FeedRun, write_feeds
from engage_bridge.product_feed.store import S3FeedStore
from engage_bridge.state import DynamoStateStore
from engage_bridge.subscriptions.catalogue import DynamoSkuCatalogue
from engage_bridge.subscriptions.proof import sign
from engage_bridge.subscriptions.take import Endpoint, take_subscription
from engage_bridge.subscriptions.throttle import DynamoThrottle
from engage_bridge_tools.centra_fake.fake import DEFAULT_TOKEN, CentraFake
from engage_bridge_tools.centra_fake.server import RunningCentraFake
from engage_bridge_tools.demo.catalogue import ALL_SKUS
from engage_bridge_tools.demo.scenario import generate_scenario, load_demo_config
from engage_bridge_tools.sandbox.app import SandboxApp
from tests.aws import create_state_table
from tests.product_feed_format import feed_problems

pytestmark = pytest.mark.integration

BUCKET = "feeds"
SOLD_OUT = "HOOD200-M"


@pytest.fixture
def demo() -> Iterator[tuple[BrandConfig, CentraFake, str]]:
    cfg = load_demo_config()
    fake = CentraFake.from_document(generate_scenario(orders=20, seed=3, config=cfg).shop)
    for warehouse in (101, 102):
        fake.set_stock(SOLD_OUT, warehouse, 0)
    server = RunningCentraFake(fake).start()
    try:
        yield cfg, fake, f"{server.url}/graphql"
    finally:
        server.stop()


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        s3, dynamodb = boto3.client("s3"), boto3.client("dynamodb")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
        create_state_table(dynamodb)
        yield s3, dynamodb


def _run(demo: tuple[BrandConfig, CentraFake, str], aws: tuple[Any, Any]) -> FeedRun:
    cfg, _, url = demo
    s3, dynamodb = aws
    with CentraClient(url, DEFAULT_TOKEN) as centra:
        return write_feeds(cfg, centra, S3FeedStore(s3, BUCKET), DynamoSkuCatalogue(dynamodb, "state"))


def _feed(s3: Any, locale: str) -> bytes:
    body: bytes = s3.get_object(Bucket=BUCKET, Key=f"product-feed/{locale}.xml")["Body"].read()
    return body


def test_every_locale_gets_a_valid_feed_with_every_size_out_of_stock_ones_kept(demo: Any, aws: Any) -> None:
    run = _run(demo, aws)

    assert sorted(f.locale for f in run.files) == ["de-DE", "en-GB", "sv-SE"]
    for locale, currency in (("sv-SE", "SEK"), ("en-GB", "EUR"), ("de-DE", "EUR")):
        problems, items = feed_problems(_feed(aws[0], locale))
        assert problems == [], locale
        assert sorted(item.g("id") or "" for item in items) == sorted(p.sku(size) for p, size in ALL_SKUS)
        by_sku = {item.g("id"): item for item in items}
        assert by_sku[SOLD_OUT].g("availability") == "out_of_stock"
        assert {item.g("price").split()[1] for item in items} == {currency}  # type: ignore[union-attr]
        assert all(item.g("mpn") == item.g("id") for item in items)
    sv = {item.g("id"): item for item in feed_problems(_feed(aws[0], "sv-SE"))[1]}
    de = {item.g("id"): item for item in feed_problems(_feed(aws[0], "de-DE"))[1]}
    en = {item.g("id"): item for item in feed_problems(_feed(aws[0], "en-GB"))[1]}
    assert (sv["TEE100-M"].values["title"], de["TEE100-M"].values["title"]) == ("Ekologisk t-shirt", "Bio-T-Shirt")
    assert en["TEE100-M"].values["title"] == "Organic Tee"  # no English translation: the display's own text
    assert sv["TEE100-M"].values["link"] == "https://brand.example/sv-SE/product/organic-tee-sv"
    assert sv["TEE100-M"].g("price") == "299.00 SEK" and en["TEE100-M"].g("price") == "29.00 EUR"
    assert sv["TEE100-M"].g("item_group_id") == sv["TEE100-L"].g("item_group_id")
    assert sum(f.out_of_stock for f in run.files if f.locale == "sv-SE") >= 1
    assert run.skus_indexed == {"1": len(ALL_SKUS), "2": len(ALL_SKUS)}


def test_a_restock_shows_in_the_next_run(demo: Any, aws: Any) -> None:
    _run(demo, aws)
    demo[1].set_stock(SOLD_OUT, 101, 5)

    _run(demo, aws)

    items = {item.g("id"): item for item in feed_problems(_feed(aws[0], "sv-SE"))[1]}
    assert items[SOLD_OUT].g("availability") == "in_stock"
    en = {item.g("id"): item for item in feed_problems(_feed(aws[0], "en-GB"))[1]}
    assert en[SOLD_OUT].g("availability") == "out_of_stock"  # warehouse 101 is not the EU market's


def _sandbox_transport(sandbox: SandboxApp) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        reply = sandbox.handle(request.method, request.url.raw_path.decode(), dict(request.headers), request.content)
        content = b"" if reply.reply.body is None else json.dumps(reply.reply.body).encode()
        return httpx.Response(reply.reply.status, content=content, headers={"content-type": "application/json"})

    return httpx.MockTransport(handle)


def test_a_subscription_to_a_sku_of_the_feed_is_taken_and_one_outside_it_is_not(demo: Any, aws: Any) -> None:
    cfg, _, _ = demo
    dynamodb = aws[1]
    sandbox = SandboxApp(api_key="k", rate_limit=None)
    engage = EngageClient(
        "https://engage.example", "k", requests_per_second=None, transport=_sandbox_transport(sandbox)
    )
    endpoint = Endpoint(
        cfg=cfg,
        throttle=DynamoThrottle(dynamodb, "state", per_client=10, per_email=10),
        catalogue=DynamoSkuCatalogue(dynamodb, "state"),
        contacts=ContactDirectory(engage, DynamoStateStore(dynamodb, "state"), "ECOM"),
        engage=engage,
        proof_max_age_seconds=900,
    )

    def subscribe(sku: str) -> str:
        body = json.dumps({"email": "ada@example.com", "sku": sku, "market": "1", "locale": "sv-SE"}).encode()
        now = time.time()
        return take_subscription(
            endpoint, body, sign("key", body, int(now) + 300), "203.0.113.9", ["key"], now=now
        ).reason

    assert subscribe(SOLD_OUT) == "unknown_sku"  # nothing has written the index yet

    _run(demo, aws)

    assert subscribe(SOLD_OUT) == "subscribed"
    assert subscribe("NOT-IN-THE-FEED") == "unknown_sku"
