"""Cold start: read the environment the template sets and build every adapter, once per container.

A missing or malformed variable fails here with ``ConfigError`` naming it, before any message is taken
from the queue; so does a brand configuration whose ``engage.api_key_secret`` is not the secret the stack's
IAM policy grants (``ENGAGE_API_KEY_SECRET``), which would otherwise surface as an access-denied error on
the first message.
"""

from collections.abc import Callable, Mapping
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engage_bridge.config import BrandConfig, load_config
from engage_bridge.consumer import Outcome, SqsConsumer
from engage_bridge.contacts import ContactDirectory
from engage_bridge.effects.services import Services
from engage_bridge.engage.client import EngageClient
from engage_bridge.errors import ConfigError
from engage_bridge.observability import bind, logger, metrics, tracer
from engage_bridge.state import DynamoStateStore


class HandlerEnvironment(BaseModel):
    """The variables ``template.yaml`` gives every handler."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    service: str = Field(alias="POWERTOOLS_SERVICE_NAME", min_length=1)
    metrics_namespace: str = Field(alias="POWERTOOLS_METRICS_NAMESPACE", min_length=1)
    environment_name: str = Field(alias="ENVIRONMENT_NAME", min_length=1)
    state_table_name: str = Field(alias="STATE_TABLE_NAME", min_length=1)
    dead_letter_queue_url: str = Field(alias="DEAD_LETTER_QUEUE_URL", min_length=1)
    engage_api_key_secret: str = Field(alias="ENGAGE_API_KEY_SECRET", min_length=1)
    engage_requests_per_second: float = Field(alias="ENGAGE_REQUESTS_PER_SECOND", gt=0, le=50)
    engage_total_concurrency: int = Field(alias="ENGAGE_TOTAL_CONCURRENCY", ge=1)


def handler_environment(environ: Mapping[str, str]) -> HandlerEnvironment:
    try:
        return HandlerEnvironment.model_validate(dict(environ))
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        raise ConfigError(str(first["loc"][0]), first["msg"]) from None


class SqsDeadLetters:
    """Sends a permanently failed message to the handler's DLQ, its reason as message attributes."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, body: str, attributes: Mapping[str, str]) -> None:
        self._client.send_message(
            QueueUrl=self._queue_url,
            MessageBody=body,
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value} for name, value in attributes.items() if value
            },
        )


def _record_engage_latency(milliseconds: float) -> None:
    metrics.add_metric(name="EngageLatency", unit=MetricUnit.Milliseconds, value=milliseconds)


def build_services(env: HandlerEnvironment, config: BrandConfig) -> Services:
    if config.engage.api_key_secret != env.engage_api_key_secret:
        raise ConfigError(
            "engage.api_key_secret",
            f"must be the stack's secret {env.engage_api_key_secret!r} (template parameter EngageApiKeySecretName)",
        )
    store = DynamoStateStore(boto3.client("dynamodb"), env.state_table_name)
    # Every handler container takes an equal share, so all of them together stay inside the budget.
    engage = EngageClient.from_config(
        config.engage,
        requests_per_second=env.engage_requests_per_second,
        concurrent_containers=env.engage_total_concurrency,
        logger=logger,
        observe_latency=_record_engage_latency,
    )
    return Services(config, engage, store, ContactDirectory(engage, store, config.engage.source))


def build_consumer[M: BaseModel](
    message_model: type[M],
    effect: Callable[[Services, M], Outcome],
    environ: Mapping[str, str],
) -> tuple[SqsConsumer[M], Services]:
    """Everything a handler module needs, from its environment: the consumer and the services behind it."""
    env = handler_environment(environ)
    bind(service=env.service, namespace=env.metrics_namespace, environment=env.environment_name)
    services = build_services(env, load_config(dict(environ)))
    consumer = SqsConsumer(
        message_model=message_model,
        effect=lambda message: effect(services, message),
        dead_letters=SqsDeadLetters(boto3.client("sqs"), env.dead_letter_queue_url),
        persistence=DynamoDBPersistenceLayer(
            table_name=env.state_table_name,
            key_attr="pk",
            sort_key_attr="sk",
            static_pk_value=f"idempotency#{env.service}",
        ),
        metrics=metrics,
        logger=logger,
    )
    return consumer, services


LambdaHandler = Callable[[dict[str, Any], LambdaContext], PartialItemFailureResponse]


class SqsLambdaEntry:
    """A handler module's ``lambda_handler``: Lambda calls it; local tooling can reach its ``services``."""

    def __init__(self, consumer: SqsConsumer[Any], services: Services) -> None:
        self.services = services
        self._consumer = consumer
        self._observed: LambdaHandler = _observed(self._handle)

    def __call__(self, event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        return self._observed(event, context)

    def _handle(self, event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        self.services.engage.set_deadline(context.get_remaining_time_in_millis)
        metrics.add_metric(name="Received", unit=MetricUnit.Count, value=len(event.get("Records", [])))
        return self._consumer(event, context)


def _observed(handler: LambdaHandler) -> LambdaHandler:
    observed: LambdaHandler = logger.inject_lambda_context(
        tracer.capture_lambda_handler(metrics.log_metrics(handler), capture_response=False)  # responses can be large
    )
    return observed


def sqs_lambda_handler[M: BaseModel](
    message_model: type[M], effect: Callable[[Services, M], Outcome], environ: Mapping[str, str]
) -> SqsLambdaEntry:
    """A handler module's ``lambda_handler``, built at import (cold start) from the module's environment."""
    consumer, services = build_consumer(message_model, effect, environ)
    return SqsLambdaEntry(consumer, services)
