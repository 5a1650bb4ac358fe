"""Lambda entries: the scheduled feed run, and ``GET /feeds/{token}/{file}`` that serves a feed to Engage.

The run is scheduled twice (template.yaml): ``{"mode": "full"}`` daily rebuilds every feed, ``{"mode": "changes"}``
every few minutes rebuilds only when a Centra product change marked the feed stale (``refresh.py``): one rebuild
per window however many changes came. A failed run raises (the function's failure queue and alarm); a claimed
refresh is given back first, so the next window tries again.

The route serves a feed only to a caller that knows the path token (Secrets Manager, ``PRODUCT_FEED_TOKEN_SECRET``;
``{"current", "previous"}`` while rotating), compared in constant time. Anything else is a 404 that does not say
whether the token or the locale was wrong. The bucket itself stays private (docs/back-in-stock.md, "The feed URL").
"""

import hmac
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from engage_bridge.aws_clients import LazyClient
from engage_bridge.environment import FunctionEnvironment, parse_environment
from engage_bridge.ingress.http import webhook_secrets
from engage_bridge.observability import count, logger, metrics, tracer
from engage_bridge.product_feed.store import S3FeedStore, feed_key
from engage_bridge.secrets import SecretReference

if TYPE_CHECKING:  # the feed run's side: the serving route (its own function) does not load the Centra client
    from engage_bridge.centra.client import CentraClient

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]
MIN_TOKEN_LENGTH: Final = 32
# A Lambda answer through API Gateway carries at most 6 MB; a larger feed is handed over by a short redirect.
MAX_INLINE_BYTES: Final = 5_000_000
REDIRECT_SECONDS: Final = 300


class FeedEnvironment(FunctionEnvironment):
    state_table_name: str = Field(alias="STATE_TABLE_NAME", min_length=1)
    bucket: str = Field(alias="FEED_BUCKET_NAME", min_length=1)
    graphql_url: str = Field(alias="CENTRA_GRAPHQL_URL", pattern=r"^https?://")
    centra_token_secret: SecretReference = Field(alias="CENTRA_TOKEN_SECRET", min_length=1)


class ServeEnvironment(FunctionEnvironment):
    bucket: str = Field(alias="FEED_BUCKET_NAME", min_length=1)
    token_secret: SecretReference = Field(alias="PRODUCT_FEED_TOKEN_SECRET", min_length=1)


def feed_handler(
    environ: Mapping[str, str], *, centra: "CentraClient | None" = None, s3: Any = None, dynamodb: Any = None
) -> Handler:
    from engage_bridge.centra.client import CentraClient  # noqa: PLC0415 - only this function's side, at cold start
    from engage_bridge.config import load_config  # noqa: PLC0415
    from engage_bridge.product_feed.refresh import FeedRefreshMarker  # noqa: PLC0415
    from engage_bridge.product_feed.run import write_feeds  # noqa: PLC0415
    from engage_bridge.subscriptions.catalogue import DynamoSkuCatalogue  # noqa: PLC0415

    env = parse_environment(FeedEnvironment, environ)
    env.bind_observability()
    cfg = load_config(dict(environ))
    # Off (no URL template) is a choice, not a mistake: each run says so and writes nothing, without an error.
    feed_on = cfg.back_in_stock.product_feed.enabled
    table = dynamodb or LazyClient("dynamodb")
    client = centra or CentraClient.from_secret(env.graphql_url, env.centra_token_secret, logger=logger)
    store = S3FeedStore(s3 or LazyClient("s3"), env.bucket)
    index = DynamoSkuCatalogue(table, env.state_table_name)
    marker = FeedRefreshMarker(table, env.state_table_name)

    def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        mode = str(event.get("mode") or "full")
        if not feed_on:
            count("ProductFeedRuns", "off")
            logger.info("product feed off: back_in_stock.product_feed.product_url_template is not set")
            return {"mode": mode, "rebuilt": False, "off": True}
        client.set_deadline(context.get_remaining_time_in_millis)
        claimed = marker.claim()  # a full run answers any pending change too
        if mode == "changes" and claimed is None:
            count("ProductFeedRuns", "unchanged")
            return {"mode": mode, "rebuilt": False}
        try:
            run = write_feeds(cfg, client, store, index)
        except Exception:
            if claimed is not None:
                marker.give_back(claimed)
            raise
        for reason, skipped in sorted(run.skipped.items()):
            count("ProductFeedSizesSkipped", reason, skipped)
        if run.unreadable_displays:
            count("ProductFeedSizesSkipped", "unreadable_display", len(run.unreadable_displays))
            logger.warning("unreadable displays left out", extra={"display_ids": run.unreadable_displays[:50]})
        count("ProductFeedRuns", mode)
        files = [
            {"locale": f.locale, "key": f.key, "items": f.items, "out_of_stock": f.out_of_stock, "bytes": f.size_bytes}
            for f in run.files
        ]
        logger.info("product feeds written", extra={"mode": mode, "files": files})
        return {"mode": mode, "rebuilt": True, "files": files, "skus_indexed": run.skus_indexed}

    observed: Handler = logger.inject_lambda_context(
        tracer.capture_lambda_handler(metrics.log_metrics(handle), capture_response=False)
    )
    return observed


def token_matches(offered: str, secrets: list[str]) -> bool:
    """Constant time over every accepted token (no early exit that tells which one nearly matched)."""
    usable = [secret for secret in secrets if len(secret) >= MIN_TOKEN_LENGTH]
    if len(usable) != len(secrets):
        logger.error("product feed token shorter than 32 characters: refused", extra={"minimum": MIN_TOKEN_LENGTH})
    matches = [hmac.compare_digest(offered.encode(), secret.encode()) for secret in usable]
    return any(matches)


def serve_handler(
    environ: Mapping[str, str], *, s3: Any = None, secrets: Callable[[str], list[str]] = webhook_secrets
) -> Handler:
    env = parse_environment(ServeEnvironment, environ)
    env.bind_observability()
    client = s3 or LazyClient("s3")
    store = S3FeedStore(client, env.bucket)

    def not_found(reason: str) -> dict[str, Any]:
        count("ProductFeedRequests", reason)
        return {"statusCode": 404, "headers": {"Content-Type": "text/plain"}, "body": "not found"}

    def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        parameters = event.get("pathParameters") or {}
        token, name = str(parameters.get("token") or ""), str(parameters.get("file") or "")
        if not token_matches(token, secrets(env.token_secret)):
            return not_found("bad_token")
        locale = name.removesuffix(".xml")
        try:
            key = feed_key(locale)
        except ValueError:
            return not_found("unknown_locale")
        if not name.endswith(".xml"):
            return not_found("unknown_locale")
        head = _head(client, env.bucket, key)
        if head is None:
            return not_found("unknown_locale")
        headers = {"Content-Type": "application/xml; charset=utf-8", "Cache-Control": "no-store"}
        if head > MAX_INLINE_BYTES:
            url = client.generate_presigned_url(
                "get_object", Params={"Bucket": env.bucket, "Key": key}, ExpiresIn=REDIRECT_SECONDS
            )
            count("ProductFeedRequests", "redirected")
            return {"statusCode": 307, "headers": {"Location": url, "Cache-Control": "no-store"}, "body": ""}
        body = store.get(locale) or b""
        count("ProductFeedRequests", "served")
        return {"statusCode": 200, "headers": headers, "body": body.decode("utf-8")}

    observed: Handler = logger.inject_lambda_context(
        tracer.capture_lambda_handler(metrics.log_metrics(handle), capture_response=False)
    )
    return observed


def _head(client: Any, bucket: str, key: str) -> int | None:
    try:
        answer = client.head_object(Bucket=bucket, Key=key)
    except client.exceptions.ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return int(answer["ContentLength"])
