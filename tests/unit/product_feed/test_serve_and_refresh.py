"""The feed route (only the path token opens it, in constant time; nothing tells a wrong token from a wrong locale),
the debounced refresh (many product changes, one rebuild), and the router's part (a product event marks, once)."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from engage_bridge.config import parse_config
from engage_bridge.environment import parse_environment
from engage_bridge.errors import ConfigError
from engage_bridge.messages import IngestEvent
from engage_bridge.product_feed.entry import MAX_INLINE_BYTES, serve_handler, token_matches
from engage_bridge.product_feed.refresh import FeedRefreshMarker
from engage_bridge.product_feed.store import S3FeedStore
from engage_bridge.router import RouterServices, route_ingest_event
from engage_bridge.router_environment import RouterEnvironment
from engage_bridge.wiring import build_router_services
from tests.aws import Clock
from tests.lambda_support import lambda_context

EXAMPLE = Path(__file__).resolve().parents[3] / "tools/engage_bridge_tools/data/brand.example.json"
TOKEN = "k3y-" + "x" * 40
FEED = b"<?xml version='1.0' encoding='UTF-8'?>\n<rss version=\"2.0\" />\n"


@pytest.fixture
def serve() -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="feeds", CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
        S3FeedStore(s3, "feeds").put("sv-SE", FEED)
        boto3.client("secretsmanager").create_secret(Name="feed/token", SecretString=TOKEN)
        environ = {
            "POWERTOOLS_SERVICE_NAME": "product-feed-serve",
            "POWERTOOLS_METRICS_NAMESPACE": "CentraEngageBridgeTest",
            "ENVIRONMENT_NAME": "test",
            "FEED_BUCKET_NAME": "feeds",
            "PRODUCT_FEED_TOKEN_SECRET": "feed/token",
        }
        yield serve_handler(environ, s3=s3), s3


def get(handler: Any, token: str, file: str) -> dict[str, Any]:
    event = {"version": "2.0", "pathParameters": {"token": token, "file": file}, "requestContext": {"http": {}}}
    answer: dict[str, Any] = handler(event, lambda_context())
    return answer


def test_the_right_token_gets_the_feed(serve: Any) -> None:
    answer = get(serve[0], TOKEN, "sv-SE.xml")

    assert answer["statusCode"] == 200 and answer["body"].encode() == FEED
    assert answer["headers"]["Content-Type"].startswith("application/xml")


@pytest.mark.parametrize(
    ("token", "file"),
    [
        ("", "sv-SE.xml"),
        (TOKEN[:-1], "sv-SE.xml"),
        (TOKEN + "x", "sv-SE.xml"),
        ("k3y-" + "y" * 40, "sv-SE.xml"),
        (TOKEN, "en-GB.xml"),  # no such feed
        (TOKEN, "sv-SE"),
        (TOKEN, "../reconcile.xml"),
        (TOKEN, "sv-SE.xml.bak"),
    ],
)
def test_anything_else_is_the_same_404(serve: Any, token: str, file: str) -> None:
    answer = get(serve[0], token, file)

    assert (answer["statusCode"], answer["body"]) == (404, "not found")


def test_a_feed_too_large_for_a_lambda_answer_is_a_short_presigned_redirect(serve: Any) -> None:
    S3FeedStore(serve[1], "feeds").put("de-DE", b"<rss>" + b" " * (MAX_INLINE_BYTES + 1) + b"</rss>")

    answer = get(serve[0], TOKEN, "de-DE.xml")

    assert answer["statusCode"] == 307
    assert "product-feed/de-DE.xml" in answer["headers"]["Location"] and "Expires=" in answer["headers"]["Location"]


def test_rotation_accepts_both_tokens_and_a_short_token_opens_nothing() -> None:
    assert token_matches(TOKEN, ["z" * 32, TOKEN])
    assert not token_matches("short", ["short"])
    assert not token_matches("", [])


def test_many_changes_mark_once_and_one_claim_takes_them_all(dynamodb: Any) -> None:
    marker = FeedRefreshMarker(dynamodb, "state", clock=Clock())

    marks = [marker.request() for _ in range(50)]

    assert marks.count(True) == 1
    requested_at = marker.claim()
    assert requested_at is not None
    assert marker.claim() is None  # the next window has nothing to do
    assert marker.request() is True  # a change after the claim marks the next window


def test_a_failed_rebuild_gives_its_claim_back(dynamodb: Any) -> None:
    marker = FeedRefreshMarker(dynamodb, "state", clock=Clock())
    marker.request()
    claimed = marker.claim()
    assert claimed is not None

    marker.give_back(claimed)

    assert marker.claim() == claimed


class _Unused:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a product event must not read Centra or queue anything ({name})")


def test_the_router_marks_the_feed_on_a_product_event_and_reads_nothing(dynamodb: Any) -> None:
    cfg = parse_config(json.loads(EXAMPLE.read_text()))
    marker = FeedRefreshMarker(dynamodb, "state", clock=Clock())
    services = RouterServices(cfg, _Unused(), _Unused(), _Unused(), mark_feed_stale=marker.request)
    event = IngestEvent(source="events", object_type="product", object_id=7, change="UPDATED")

    outcomes = [route_ingest_event(services, event) for _ in range(3)]

    assert [o.reason for o in outcomes] == ["feed_marked", "feed_already_marked", "feed_already_marked"]


def test_a_feed_configuration_names_its_bad_field() -> None:
    base = json.loads(EXAMPLE.read_text())
    feed = base["back_in_stock"]["product_feed"]
    for change, field in (
        ({"product_url_template": "https://brand.example/{sku}"}, "product_url_template"),
        ({"product_url_template": "http://brand.example/{uri}"}, "product_url_template"),
        ({"pricelist_by_market": {"1": 1}}, "pricelist_by_market.2"),
    ):
        document = {**base, "back_in_stock": {**base["back_in_stock"], "product_feed": {**feed, **change}}}
        with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
            parse_config(document)


HANDLER_ROUTES = ("CONTACT_UPSERT", "ORDER_STATUS", "RECEIPT_PUSH", "PROMOTION_REDEMPTION")


ROUTER_ENVIRON = {
    "POWERTOOLS_SERVICE_NAME": "router",
    "POWERTOOLS_METRICS_NAMESPACE": "Test",
    "ENVIRONMENT_NAME": "test",
    "STATE_TABLE_NAME": "state",
    "DEAD_LETTER_QUEUE_URL": "https://sqs.eu-north-1.amazonaws.com/123456789012/ingest-dlq",
    "MAX_RECEIVE_COUNT": "5",
    "CENTRA_GRAPHQL_URL": "https://brand.centraqa.com/graphql",
    "CENTRA_TOKEN_SECRET": "centra/token",
    **{f"{route}_QUEUE_URL": f"https://sqs/{route}" for route in HANDLER_ROUTES},
    "STOCK_RELAY_DEPLOYED": "false",
}


@pytest.mark.parametrize(("deployed", "marks"), [("true", True), ("false", False)])
def test_the_router_marks_the_feed_only_where_the_stack_runs_it(dynamodb: Any, deployed: str, marks: bool) -> None:
    environ = {**ROUTER_ENVIRON, "PRODUCT_FEED_DEPLOYED": deployed}
    cfg = parse_config(json.loads(EXAMPLE.read_text()))  # its feed is configured (a URL template)

    services, _ = build_router_services(parse_environment(RouterEnvironment, environ), cfg, dynamodb)

    assert (services.mark_feed_stale is not None) is marks


def test_a_router_told_the_relay_is_deployed_without_its_queue_fails_at_start_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match="STOCK_RELAY_QUEUE_URL"):
        parse_environment(RouterEnvironment, {**ROUTER_ENVIRON, "STOCK_RELAY_DEPLOYED": "true"})
