"""Lambda entry for ``POST /back-in-stock/subscriptions`` (HTTP API, payload format 2.0).

Built once per container: the brand configuration, the Engage client (leasing from the stack's Engage budget
first, a shopper waits; like the queue handlers), the state-table adapters. The storefront's proof secret is read
from Secrets Manager (cached five minutes by Powertools); ``{"current", "previous"}`` while rotating, as for the
Centra webhook.
"""

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from engage_bridge.aws_clients import LazyClient
from engage_bridge.budget_priority import PriorityName
from engage_bridge.config import load_config
from engage_bridge.contacts import ContactDirectory
from engage_bridge.engage.budget import shared_budget
from engage_bridge.engage.client import EngageClient
from engage_bridge.environment import FunctionEnvironment, parse_environment
from engage_bridge.errors import ConfigError, WebhookPayloadError
from engage_bridge.ingress.http import raw_body, webhook_secrets
from engage_bridge.observability import count, logger, metrics, tracer
from engage_bridge.secrets import SecretReference
from engage_bridge.state import DynamoStateStore
from engage_bridge.subscriptions.catalogue import DynamoSkuCatalogue
from engage_bridge.subscriptions.proof import HEADER
from engage_bridge.subscriptions.take import Endpoint, SubscriptionAnswer, take_subscription
from engage_bridge.subscriptions.throttle import DynamoThrottle

HttpHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


class SubscriptionEnvironment(FunctionEnvironment):
    state_table_name: str = Field(alias="STATE_TABLE_NAME", min_length=1)
    proof_secret_name: SecretReference = Field(alias="STOREFRONT_PROOF_SECRET", min_length=1)
    proof_max_age_seconds: int = Field(alias="STOREFRONT_PROOF_MAX_AGE_SECONDS", default=900, ge=60, le=3600)
    engage_api_key_secret: SecretReference = Field(alias="ENGAGE_API_KEY_SECRET", min_length=1)
    engage_requests_per_second: float = Field(alias="ENGAGE_REQUESTS_PER_SECOND", ge=2, le=50)
    engage_priority: PriorityName = Field(alias="ENGAGE_PRIORITY")


def subscription_handler(
    environ: Mapping[str, str], *, dynamodb: Any = None, engage: EngageClient | None = None
) -> HttpHandler:
    env = parse_environment(SubscriptionEnvironment, environ)
    env.bind_observability()
    cfg = load_config(dict(environ))
    if cfg.engage.api_key_secret != env.engage_api_key_secret:
        # Otherwise an access-denied error on the first subscription, as the queue handlers check too (wiring.py).
        raise ConfigError(
            "engage.api_key_secret",
            f"must be the stack's secret {env.engage_api_key_secret!r} (template parameter EngageApiKeySecretName)",
        )
    table = dynamodb or LazyClient("dynamodb")
    client = engage or EngageClient.from_config(
        cfg.engage,
        requests_per_second=None,
        # A shopper's request waits at most a few seconds for the budget (the function's timeout is 20 s).
        rate_limiter=shared_budget(
            table, env.state_table_name, env.engage_requests_per_second, env.engage_priority, max_wait_s=5.0
        ),
        logger=logger,
    )
    store = DynamoStateStore(table, env.state_table_name)
    endpoint = Endpoint(
        cfg=cfg,
        throttle=DynamoThrottle(
            table,
            env.state_table_name,
            per_client=cfg.back_in_stock.subscriptions_per_client_per_hour,
            per_email=cfg.back_in_stock.subscriptions_per_email_per_hour,
        ),
        catalogue=DynamoSkuCatalogue(table, env.state_table_name),
        contacts=ContactDirectory(client, store, cfg.engage.source),
        engage=client,
        proof_max_age_seconds=env.proof_max_age_seconds,
    )

    def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        client.set_deadline(context.get_remaining_time_in_millis)
        try:
            body = raw_body(event)
        except WebhookPayloadError:
            answer = SubscriptionAnswer(400, "undecodable_body")
        else:
            answer = take_subscription(
                endpoint,
                body,
                _header(event, HEADER),
                _client_of(event),
                webhook_secrets(env.proof_secret_name),
                now=time.time(),
            )
        _record(answer)
        headers = {"Content-Type": "application/json", "Cache-Control": "no-store"}
        if answer.retry_after_seconds is not None:
            headers["Retry-After"] = str(answer.retry_after_seconds)
        return {"statusCode": answer.status, "headers": headers, "body": json.dumps(answer.body())}

    observed: HttpHandler = logger.inject_lambda_context(
        tracer.capture_lambda_handler(metrics.log_metrics(handle), capture_response=False)
    )
    return observed


def _header(event: Mapping[str, Any], name: str) -> str | None:
    headers = event.get("headers") or {}
    return next((value for key, value in headers.items() if key.lower() == name), None)


def _client_of(event: Mapping[str, Any]) -> str:
    """The caller's address as API Gateway saw it (not a header the caller could set)."""
    http = (event.get("requestContext") or {}).get("http") or {}
    return str(http.get("sourceIp") or "unknown")


def _record(answer: SubscriptionAnswer) -> None:
    if answer.status in (200, 201):
        count("BackInStockSubscriptions", answer.reason)
        if answer.contact_created:
            count("BackInStockContactsCreated", "contact")
        if answer.secret_index:
            logger.warning("storefront proof signed with the previous secret; finish the rotation")
        logger.info("subscription taken", extra={"status": answer.status, "reason": answer.reason})
    else:
        count("BackInStockRefused", answer.reason)
        logger.warning(
            "subscription refused", extra={"status": answer.status, "reason": answer.reason, "field": answer.field}
        )
