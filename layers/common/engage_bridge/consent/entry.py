"""Lambda entries for consent from Engage: the preference webhook (HTTP API) and the consent consumer.

``POST /engage/webhook`` (a Lambda function URL, payload format 2.0) verifies, deduplicates and enqueues, and
answers at once (Svix needs a 2xx within 15 s); any other method or path on the URL's host gets 404.
The consumer takes the consent queue (``PreferenceChange``); on an EventBridge schedule a third entry reads Engage's
changed contacts onto the same queue. The endpoint secret (``ENGAGE_WEBHOOK_SECRET``) is the Svix signing secret,
or JSON ``{"signing", "previous", "encryption_key"}`` while rotating or when Engage encrypts payloads.
"""

import base64
import binascii
import json
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from pydantic import Field

from engage_bridge.aws_clients import LazyClient
from engage_bridge.consent.messages import PreferenceChange
from engage_bridge.engage.outcomes import EngageRetryableError
from engage_bridge.environment import (
    EngageBudgetEnvironment,
    FunctionEnvironment,
    HandlerEnvironment,
    parse_environment,
)
from engage_bridge.errors import ConfigError
from engage_bridge.observability import count, logger, metrics, tracer
from engage_bridge.secrets import SecretReference, read_secret

if TYPE_CHECKING:  # three functions share this module: each imports its own side when it is built (cold start)
    from engage_bridge.wiring import SqsLambdaEntry

HttpHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]
# Svix retries for about 28 hours (engage-wave2.md §1.4); ids are remembered well beyond that.
MESSAGE_ID_SECONDS = 72 * 3600


class EngageWebhookEnvironment(FunctionEnvironment):
    consent_queue_url: str = Field(alias="CONSENT_QUEUE_URL", min_length=1)
    webhook_secret_name: SecretReference = Field(alias="ENGAGE_WEBHOOK_SECRET", min_length=1)
    state_table_name: str = Field(alias="STATE_TABLE_NAME", min_length=1)


class ConsentEnvironment(HandlerEnvironment):
    # Its encryption key opens encrypted webhook payloads; a stack without the preference webhooks has none.
    webhook_secret_name: SecretReference | None = Field(alias="ENGAGE_WEBHOOK_SECRET", default=None)
    centra_graphql_url: str = Field(alias="CENTRA_GRAPHQL_URL", pattern=r"^https?://")
    centra_token_secret: SecretReference = Field(alias="CENTRA_TOKEN_SECRET", min_length=1)


def webhook_secret(secret_name: str) -> dict[str, str]:
    """``signing`` (and ``previous``, ``encryption_key`` when given) from a plain ``whsec_`` string or JSON.

    Read when a request needs it, never at cold start; Powertools caches it for five minutes (rotation-friendly).
    """
    value = read_secret(secret_name)
    try:
        document = json.loads(value)
    except json.JSONDecodeError:
        return {"signing": value}
    if not isinstance(document, dict):
        return {"signing": value}
    return {key: str(document[key]) for key in ("signing", "previous", "encryption_key") if document.get(key)}


class WebhookEncryptionKey:
    """The consent consumer's payload key (``encryption_key`` of ``ENGAGE_WEBHOOK_SECRET``), or None without one.

    Read on the first encrypted payload, not at cold start: a failing read there would be an init error with no
    reason; here it retries that message later (``EngageRetryableError``) and names the secret.
    """

    def __init__(self, secret_name: str | None) -> None:
        self.secret_name = secret_name  # None: the stack runs without preference webhooks (EngagePreferenceWebhooks)

    def __call__(self) -> str | None:
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError  # noqa: PLC0415

        if self.secret_name is None:
            return None
        try:
            return webhook_secret(self.secret_name).get("encryption_key")
        except GetParameterError:
            where = f"secret:{self.secret_name}"
            raise EngageRetryableError(
                "GET", where, None, None, maybe_applied=False, detail="webhook secret unavailable"
            ) from None


class DynamoMessageIds:
    """Svix message ids taken in, in the state table (``engagewebhook#<id>``), expiring after three days."""

    def __init__(self, client: Any, table_name: str, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    def first_time(self, message_id: str) -> bool:
        now = int(self._clock())
        try:
            self._client.put_item(
                TableName=self._table,
                Item={**self._key(message_id), "expiration": {"N": str(now + MESSAGE_ID_SECONDS)}},
                ConditionExpression="attribute_not_exists(pk) OR expiration <= :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def forget(self, message_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key=self._key(message_id))

    @staticmethod
    def _key(message_id: str) -> dict[str, dict[str, str]]:
        return {"pk": {"S": f"engagewebhook#{message_id}"}, "sk": {"S": "message"}}


class DynamoFeedMarks:
    """``consentfeed#<contact id>``: when the changes feed last queued a contact (expires after two windows).

    The container also keeps the ``queued_at`` it wrote or read, for the contacts still within the window: the
    schedule's runs overlap, so most of a run's contacts were marked by the run before, in this warm container.
    ``queued_at`` only grows, so what the container remembers is at most the table's value: a contact it remembers
    as queued within the window is one the read would answer the same way, without the read.
    """

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._known: dict[str, float] = {}  # contact id -> a queued_at the table holds (or a newer one)
        self._oldest = float("inf")  # the smallest of them

    def mark(self, contact_id: str, now: float, window_seconds: float) -> bool:
        aged = now - window_seconds
        self._forget_before(aged)
        if self._known.get(contact_id, float("-inf")) > aged:
            return False
        # Overlapping windows list most contacts again: an eventually consistent read (a tenth of the write the
        # condition would refuse) answers those. ``queued_at`` only grows, so a stale read is at worst too old,
        # and the conditional write then decides.
        queued_at = self._queued_at(contact_id)
        if queued_at > aged:
            self._remember(contact_id, queued_at)
            return False
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": f"consentfeed#{contact_id}"},
                    "sk": {"S": "queued"},
                    "queued_at": {"N": repr(now)},
                    "expiration": {"N": str(int(now + 2 * window_seconds))},
                },
                ConditionExpression="attribute_not_exists(pk) OR queued_at <= :aged",
                ExpressionAttributeValues={":aged": {"N": repr(now - window_seconds)}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            return False
        self._remember(contact_id, now)
        return True

    def _remember(self, contact_id: str, queued_at: float) -> None:
        self._known[contact_id] = queued_at
        self._oldest = min(self._oldest, queued_at)

    def _forget_before(self, aged: float) -> None:
        """Drop what aged out of the window (memory bounded by the contacts of one window)."""
        if self._oldest <= aged:  # once per run at most: a run asks with one ``now``
            self._known = {contact_id: at for contact_id, at in self._known.items() if at > aged}
            self._oldest = min(self._known.values(), default=float("inf"))

    def _queued_at(self, contact_id: str) -> float:
        item = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": f"consentfeed#{contact_id}"}, "sk": {"S": "queued"}},
            ProjectionExpression="queued_at",
        ).get("Item")
        return float(item["queued_at"]["N"]) if item and "queued_at" in item else float("-inf")


class SqsConsentQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, change: PreferenceChange) -> None:
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=change.model_dump_json())


def _raw_body(event: Mapping[str, Any]) -> bytes | None:
    body = event.get("body") or ""
    try:
        return base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else str(body).encode("utf-8")
    except (binascii.Error, ValueError):
        return None


# The path of the EngageWebhookUrl stack output (template.yaml), which the local runtime serves too.
ENGAGE_WEBHOOK_PATH = "/engage/webhook"


def engage_webhook_handler(environ: Mapping[str, str]) -> HttpHandler:
    from engage_bridge.consent.webhook import WebhookAnswer, receive_preference_webhook  # noqa: PLC0415 - its side
    from engage_bridge.ingress.route import NOT_FOUND, on_route  # noqa: PLC0415

    env = parse_environment(EngageWebhookEnvironment, environ)
    env.bind_observability()
    ids = DynamoMessageIds(LazyClient("dynamodb"), env.state_table_name)
    queue = SqsConsentQueue(LazyClient("sqs"), env.consent_queue_url)

    def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        if not on_route(event, "POST", ENGAGE_WEBHOOK_PATH):
            count("WebhookOffRoute", "not_found")
            return NOT_FOUND
        body = _raw_body(event)
        if body is None:
            answer = WebhookAnswer(400, "undecodable_body")
        else:
            secret = webhook_secret(env.webhook_secret_name)
            secrets = [secret[key] for key in ("signing", "previous") if key in secret]
            answer = receive_preference_webhook(body, event.get("headers") or {}, secrets, ids, queue)
        if answer.status >= 400:
            count("EngageWebhookRefused", answer.reason)
            logger.warning("engage webhook refused", extra={"status": answer.status, "reason": answer.reason})
        else:
            count("EngageWebhookAccepted", answer.reason)
        return {
            "statusCode": answer.status,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"status": answer.reason, "queued": answer.queued}),
        }

    observed: HttpHandler = logger.inject_lambda_context(
        tracer.capture_lambda_handler(metrics.log_metrics(handle), capture_response=False)
    )
    return observed


def consent_lambda_handler(environ: Mapping[str, str]) -> "SqsLambdaEntry":
    """The consent consumer: SQS batches of preference changes → state table (and Centra where allowed)."""
    from engage_bridge.config import load_config  # noqa: PLC0415 - its side (the preference webhook reads none)
    from engage_bridge.consent.sync import ConsentServices, take_preference_change  # noqa: PLC0415
    from engage_bridge.wiring import SqsLambdaEntry, build_services, consumer_for  # noqa: PLC0415

    env = parse_environment(ConsentEnvironment, environ)
    env.bind_observability()
    config = load_config(dict(environ))
    dynamodb = LazyClient("dynamodb")
    handler_services = build_services(env, config, dynamodb, unused=frozenset({"contacts"}))
    centra = None
    if config.consent.write_opt_outs_to_centra:  # off by default: then the Centra client is not even loaded
        from engage_bridge.centra.client import CentraClient  # noqa: PLC0415

        centra = CentraClient.from_secret(env.centra_graphql_url, env.centra_token_secret, logger=logger)
    services = ConsentServices(
        config, handler_services.engage, handler_services.consent, centra, WebhookEncryptionKey(env.webhook_secret_name)
    )
    # No Powertools record per change (two writes each): taking a change is idempotent on its own. The contact is
    # read again, the opt-out kept only if newer (a conditional write), and Centra written only where it still says
    # yes; the webhook's message ids and the feed's marks already drop repeated reports before they are queued.
    consumer = consumer_for(
        env,
        PreferenceChange,
        lambda change: take_preference_change(services, change),
        dynamodb,
        idempotency_records=False,
        source_queue_url=env.source_queue_url,
    )
    return SqsLambdaEntry(consumer, services, handler_services.engage)


class EngageChangesEnvironment(EngageBudgetEnvironment):
    consent_queue_url: str = Field(alias="CONSENT_QUEUE_URL", min_length=1)


def engage_changes_handler(
    environ: Mapping[str, str], now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> HttpHandler:
    """The schedule's read of Engage's changed contacts, onto the consent queue (the safety net for webhooks)."""
    from engage_bridge.config import load_config  # noqa: PLC0415 - only this function's side, at cold start
    from engage_bridge.consent.changes import read_changes  # noqa: PLC0415
    from engage_bridge.engage.budget import shared_budget  # noqa: PLC0415
    from engage_bridge.engage.client import EngageClient  # noqa: PLC0415

    env = parse_environment(EngageChangesEnvironment, environ)
    env.bind_observability()
    config = load_config(dict(environ))
    if config.engage.api_key_secret != env.engage_api_key_secret:
        raise ConfigError("engage.api_key_secret", f"must be the stack's secret {env.engage_api_key_secret!r}")
    # One GET per run, taken from the stack's budget like every other Engage request (engage.budget).
    dynamodb = LazyClient("dynamodb")
    budget = shared_budget(dynamodb, env.state_table_name, env.engage_requests_per_second, env.engage_priority)
    engage = EngageClient.from_config(config.engage, requests_per_second=None, rate_limiter=budget, logger=logger)
    queue = SqsConsentQueue(LazyClient("sqs"), env.consent_queue_url)
    marks = DynamoFeedMarks(dynamodb, env.state_table_name)
    window = timedelta(minutes=config.consent.changes_window_minutes)

    def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        engage.set_deadline(context.get_remaining_time_in_millis)
        return {"queued": read_changes(engage, marks, queue.send, now(), window)}

    observed: HttpHandler = logger.inject_lambda_context(
        tracer.capture_lambda_handler(metrics.log_metrics(handle), capture_response=False)
    )
    return observed
