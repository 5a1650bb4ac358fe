"""Lambda entry for ``POST /centra/webhook`` (a Lambda function URL: payload format 2.0, as the HTTP API's).

The endpoint secret is read from SSM Parameter Store or Secrets Manager (cached five minutes by Powertools).
During a rotation the secret may hold both values as ``{"current": "...", "previous": "..."}``; a webhook signed
with either is accepted, and the log says when Centra still uses the previous one. A body that cannot be turned back
into the bytes Centra signed (flagged base64 but not base64) is refused with 400 ``undecodable_body``. Any other
method or path on the function URL's host gets 404 (``engage_bridge.ingress.route``).
"""

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from engage_bridge.aws_clients import LazyClient
from engage_bridge.centra.webhook_payload import WebhookPayloadError
from engage_bridge.environment import FunctionEnvironment, parse_environment
from engage_bridge.ingress.http import raw_body, webhook_secrets
from engage_bridge.ingress.queue import IngestQueue, SqsIngestQueue
from engage_bridge.ingress.route import NOT_FOUND, on_route
from engage_bridge.ingress.webhook import WebhookAnswer, receive_webhook
from engage_bridge.observability import count, logger, metrics, tracer
from engage_bridge.route_marks import WEBHOOK_DELAY_SECONDS
from engage_bridge.secrets import SecretReference

HttpHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]
# The path of the CentraWebhookUrl stack output (template.yaml), which the local runtime serves too.
WEBHOOK_PATH = "/centra/webhook"


class WebhookEnvironment(FunctionEnvironment):
    ingest_queue_url: str = Field(alias="INGEST_QUEUE_URL", min_length=1)
    webhook_secret_name: SecretReference = Field(alias="CENTRA_WEBHOOK_SECRET", min_length=1)
    tolerance_seconds: int = Field(alias="CENTRA_WEBHOOK_TOLERANCE_SECONDS", default=300, ge=30, le=3600)


def signature_header(event: Mapping[str, Any]) -> str | None:
    headers = event.get("headers") or {}
    return next((value for name, value in headers.items() if name.lower() == "x-centra-signature"), None)


def webhook_handler(environ: Mapping[str, str], queue: IngestQueue | None = None) -> HttpHandler:
    env = parse_environment(WebhookEnvironment, environ)
    env.bind_observability()
    ingest = queue or SqsIngestQueue(LazyClient("sqs"), env.ingest_queue_url, delay_seconds=WEBHOOK_DELAY_SECONDS)

    def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        if not on_route(event, "POST", WEBHOOK_PATH):
            count("WebhookOffRoute", "not_found")
            return NOT_FOUND
        try:
            body = raw_body(event)
        except WebhookPayloadError:
            answer = WebhookAnswer(400, "undecodable_body")
        else:
            answer = receive_webhook(
                body,
                signature_header(event),
                webhook_secrets(env.webhook_secret_name),
                now=time.time(),
                tolerance_seconds=env.tolerance_seconds,
                queue=ingest,
            )
        _record(answer)
        return {
            "statusCode": answer.status,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"status": answer.reason, "queued": answer.queued}),
        }

    observed: HttpHandler = logger.inject_lambda_context(
        tracer.capture_lambda_handler(metrics.log_metrics(handle), capture_response=False)
    )
    return observed


def _record(answer: WebhookAnswer) -> None:
    metrics.add_metric(name="WebhookEventsQueued", unit=MetricUnit.Count, value=answer.queued)
    for event_type, ignored in answer.ignored.items():
        count("Skipped", f"webhook_{event_type}", ignored)
    if answer.status != 200:
        # The total carries only the function's own dimensions, so one alarm covers every reason (template.yaml,
        # WebhookRefusedAlarm); the count by reason says which.
        metrics.add_metric(name="WebhookRefusedTotal", unit=MetricUnit.Count, value=1)
        count("WebhookRefused", answer.reason)
        logger.warning("webhook refused", extra={"status": answer.status, "reason": answer.reason})
    elif answer.secret_index:
        logger.warning("webhook signed with the previous secret; finish the rotation in Centra")
    else:
        logger.debug("webhook accepted", extra={"queued": answer.queued, "ignored": answer.ignored})
