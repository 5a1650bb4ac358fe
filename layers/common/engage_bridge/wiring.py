"""Cold start: read the environment the template sets and build every adapter, once per container.

A missing or malformed variable fails here with ``ConfigError`` naming it, before any message is taken
from the queue; so does a brand configuration whose ``engage.api_key_secret`` is not the secret the stack's
IAM policy grants (``ENGAGE_API_KEY_SECRET``), which would otherwise surface as an access-denied error on
the first message.

Two kinds of SQS consumers share the same loop (``engage_bridge.consumer``): the five Engage handlers, and the
router, which reads Centra and feeds them.

Each builder creates one client per AWS service and shares it: every creation loads the service's model again.
The clients are ``LazyClient``s: created on the first call, not at cold start (``engage_bridge.aws_clients``), and a
client only a rare path needs (the DLQ, a retry later) is never created by most containers.
"""

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from engage_bridge.aws_clients import BuiltOnFirstUse, LazyClient
from engage_bridge.config import BrandConfig, load_config
from engage_bridge.consumer import RetryLater, SqsConsumer
from engage_bridge.dead_letter_marks import DynamoDeadLetterMarks
from engage_bridge.environment import ConsumerEnvironment, parse_environment
from engage_bridge.observability import logger, metrics, tracer
from engage_bridge.outcome import Outcome
from engage_bridge.state import DynamoStateStore, Effect, LedgerClaims, ResendLedger

if TYPE_CHECKING:  # each function imports only its own side at cold start: the router or an Engage handler
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

    from engage_bridge.centra.client import CentraClient
    from engage_bridge.consent import ConsentStore
    from engage_bridge.contacts import ContactDirectory
    from engage_bridge.effects.services import Services
    from engage_bridge.environment import HandlerEnvironment
    from engage_bridge.messages import ResendRequest
    from engage_bridge.router import RouterServices
    from engage_bridge.router_environment import RouterEnvironment

LambdaHandler = Callable[[dict[str, Any], LambdaContext], PartialItemFailureResponse]


class SqsDeadLetters:
    """Sends a permanently failed message to the consumer's DLQ, its reason as message attributes."""

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


ServicePart = Literal["contacts", "consent"]


def build_services(
    env: "HandlerEnvironment",
    config: BrandConfig,
    dynamodb: Any = None,
    *,
    unused: frozenset[ServicePart] = frozenset(),
) -> "Services":
    """An Engage handler's services; the parts in ``unused`` (its effect never touches them) are built on first use
    rather than at cold start, so a stock relay loads neither the contact directory nor libphonenumber."""
    from engage_bridge.effects.services import Services  # noqa: PLC0415 - only this function's side, at cold start
    from engage_bridge.engage.budget import shared_budget  # noqa: PLC0415
    from engage_bridge.engage.client import EngageClient  # noqa: PLC0415
    from engage_bridge.engage.retry import RetryPolicy  # noqa: PLC0415
    from engage_bridge.errors import ConfigError  # noqa: PLC0415

    if config.engage.api_key_secret != env.engage_api_key_secret:
        raise ConfigError(
            "engage.api_key_secret",
            f"must be the stack's secret {env.engage_api_key_secret!r} (template parameter EngageApiKeySecretName)",
        )
    dynamodb = dynamodb or LazyClient("dynamodb")
    store = DynamoStateStore(dynamodb, env.state_table_name)
    # Every container leases its requests from the stack's one budget in the state table (engage.budget).
    engage = EngageClient.from_config(
        config.engage,
        requests_per_second=None,
        rate_limiter=shared_budget(dynamodb, env.state_table_name, env.engage_requests_per_second, env.engage_priority),
        # One attempt per delivery: retries wait in the queue on Voyado's cadence (retry_cadence), not in a sleep.
        retry=RetryPolicy(max_attempts=1),
        logger=logger,
        observe_latency=_record_engage_latency,
    )

    def consent_store() -> "ConsentStore":
        from engage_bridge.consent import DynamoConsentStore  # noqa: PLC0415 - only where consent is used

        return DynamoConsentStore(dynamodb, env.state_table_name)

    def contact_directory() -> "ContactDirectory":
        from engage_bridge.contacts import ContactDirectory  # noqa: PLC0415 - only where contacts are written
        from engage_bridge.identity import DynamoIdentityLinks  # noqa: PLC0415

        return ContactDirectory(
            engage, store, config.engage.source, DynamoIdentityLinks(dynamodb, env.state_table_name)
        )

    consent = cast("ConsentStore", BuiltOnFirstUse(consent_store)) if "consent" in unused else consent_store()
    contacts = (
        cast("ContactDirectory", BuiltOnFirstUse(contact_directory)) if "contacts" in unused else contact_directory()
    )
    return Services(config, engage, store, contacts, consent)


def build_router_services(
    env: "RouterEnvironment", config: BrandConfig, dynamodb: Any = None
) -> tuple["RouterServices", "CentraClient"]:
    from engage_bridge.centra.client import CentraClient  # noqa: PLC0415 - only this function's side, at cold start
    from engage_bridge.product_feed.refresh import FeedRefreshMarker  # noqa: PLC0415
    from engage_bridge.route_marks import DynamoRouteMarks  # noqa: PLC0415
    from engage_bridge.router import RouterServices, SqsHandlerQueues  # noqa: PLC0415
    from engage_bridge.router_batch import RoutingBatch  # noqa: PLC0415
    from engage_bridge.routing.decision import Route  # noqa: PLC0415

    centra = CentraClient.from_secret(env.centra_graphql_url, env.centra_token_secret, logger=logger)
    urls: dict[Route, str] = {
        "contact_upsert": env.contact_upsert_queue_url,
        "order_status": env.order_status_queue_url,
        "receipt_push": env.receipt_push_queue_url,
        "promotion_redemption": env.promotion_redemption_queue_url,
    }
    if env.stock_relay_deployed and env.stock_relay_queue_url:
        urls["stock_relay"] = env.stock_relay_queue_url
    # Held until the invocation's records are routed, then one send per handler queue (RouterLambdaEntry).
    queues = RoutingBatch(SqsHandlerQueues(LazyClient("sqs"), urls))
    dynamodb = dynamodb or LazyClient("dynamodb")
    store = DynamoStateStore(dynamodb, env.state_table_name)
    feed = FeedRefreshMarker(dynamodb, env.state_table_name)
    mark = feed.request if config.back_in_stock.product_feed.enabled and env.product_feed_deployed else None
    marks = DynamoRouteMarks(dynamodb, env.state_table_name)
    services = RouterServices(
        config, centra, store, queues, marks=marks, mark_feed_stale=mark, relays_stock="stock_relay" in urls
    )
    return services, centra


def consumer_for[M: BaseModel](
    env: ConsumerEnvironment,
    message_model: type[M],
    effect: Callable[[M], Outcome],
    dynamodb: Any = None,
    *,
    idempotency_records: bool = True,
    source_queue_url: str | None = None,
) -> SqsConsumer[M]:
    """The shared SQS loop for ``effect``; ``idempotency_records=False`` for an effect that is idempotent on its own
    (the router: its route marks drop a second report of a change, the handlers a second copy of an effect).
    ``source_queue_url``: an Engage handler's own queue, where it postpones a record on its retry cadence; without
    it (the router) a record is retried on the visibility timeout."""
    sqs, dynamodb = LazyClient("sqs"), dynamodb or LazyClient("dynamodb")
    retry_later: RetryLater | None = None
    if source_queue_url is not None:
        from engage_bridge.retry_cadence import SqsRetryCadence  # noqa: PLC0415 - only this function's side

        retry_later = SqsRetryCadence(sqs, source_queue_url)
    # An order's e-mail or redemption is one ledger row, which is also its claim: no Powertools record. A receipt's
    # row is only looked at (``ReceiptPush.ledger_claim``): Engage ignores a repeated one, and the look answers the
    # copies routed after it was sent (measured: no more receipt requests than with the claim, decision log).
    claimed = getattr(message_model, "claimed_in_ledger", False)  # messages.QueuedMessage: the order effects
    claims = LedgerClaims(dynamodb, env.state_table_name) if claimed else None
    # A stock level's own record already makes it single (messages.StockUpdate): no Powertools record either.
    idempotency_records = idempotency_records and not getattr(message_model, "deduplicated_by_own_record", False)
    return SqsConsumer(
        ledger_claims=claims,
        retry_later=retry_later,
        message_model=message_model,
        effect=effect,
        dead_letters=SqsDeadLetters(sqs, env.dead_letter_queue_url),
        dead_letter_marks=DynamoDeadLetterMarks(dynamodb, env.state_table_name),
        max_receive_count=env.max_receive_count,
        persistence=(lambda: _idempotency_records(dynamodb, env)) if idempotency_records else None,
        metrics=metrics,
        logger=logger,
    )


def _idempotency_records(dynamodb: Any, env: ConsumerEnvironment) -> "BasePersistenceLayer":
    """Powertools' idempotency records in the state table: built when a message without a ledger row first needs
    one (a ledger-claimed function never does)."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer  # noqa: PLC0415 - first use

    return DynamoDBPersistenceLayer(
        boto3_client=dynamodb,
        table_name=env.state_table_name,
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=f"idempotency#{env.service}",
    )


def build_consumer[M: BaseModel](
    message_model: type[M],
    effect: Callable[["Services", M], Outcome],
    environ: Mapping[str, str],
    *,
    unused: frozenset[ServicePart] = frozenset(),
) -> tuple[SqsConsumer[M], "Services"]:
    """An Engage handler's consumer and the services behind it, from its environment."""
    from engage_bridge.environment import HandlerEnvironment  # noqa: PLC0415 - only this function's side

    env = parse_environment(HandlerEnvironment, environ)
    env.bind_observability()
    dynamodb = LazyClient("dynamodb")
    services = build_services(env, load_config(dict(environ)), dynamodb, unused=unused)
    resends = DynamoStateStore(dynamodb, env.state_table_name)
    consumer = consumer_for(
        env,
        message_model,
        lambda message: _applied(effect, services, resends, message),
        dynamodb,
        source_queue_url=env.source_queue_url,
    )
    return consumer, services


def _applied[M: BaseModel](
    effect: Callable[["Services", M], Outcome], services: "Services", resends: ResendLedger, message: M
) -> Outcome:
    """The effect; for an operator's resend, also who asked and why, in the log and on the ledger's resend row.

    Backfill traffic (``historical``) waits behind live work in the Engage budget, whichever handler carries it.
    """
    from engage_bridge.engage.budget import Priority, SharedBudget  # noqa: PLC0415 - loaded by build_services

    budget = services.engage.rate_limiter
    if getattr(message, "historical", False) and isinstance(budget, SharedBudget):
        with budget.lowered(Priority.BACKFILL):
            outcome = effect(services, message)
    else:
        outcome = effect(services, message)
    resend: ResendRequest | None = getattr(message, "resend", None)
    if resend is None:
        return outcome
    ledger_effect: Effect | None = getattr(message, "ledger_effect", None)
    logger.info(
        "resend",
        extra={
            "requested_by": resend.requested_by,
            "resend_reason": resend.reason,
            "forced": resend.force,
            "effect": ledger_effect.name if ledger_effect else None,
            **outcome.as_dict(),
        },
    )
    if ledger_effect is not None:
        resends.record_resend_outcome(resend.ledger_effect(ledger_effect), outcome.state, outcome.reason)
    return outcome


class _Deadlined(Protocol):
    def set_deadline(self, remaining_time_ms: Callable[[], int] | None) -> None: ...


class SqsLambdaEntry:
    """A consumer module's ``lambda_handler``: Lambda calls it; local tooling can reach its ``services``."""

    def __init__(self, consumer: SqsConsumer[Any], services: Any, client: _Deadlined) -> None:
        self.services = services
        self._consumer = consumer
        self._client = client
        self._observed: LambdaHandler = _observed(self._handle)

    def __call__(self, event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        return self._observed(event, context)

    def _handle(self, event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        self._client.set_deadline(context.get_remaining_time_in_millis)
        metrics.add_metric(name="Received", unit=MetricUnit.Count, value=len(event.get("Records", [])))
        return self._consumer(event, context)


class RouterLambdaEntry(SqsLambdaEntry):
    """The router's ``lambda_handler``: the route marks of its records looked at and taken, their Centra objects
    read together (``router.read_ahead``), its records routed, the invocation's held messages go out together
    (``router_batch``); if that fails, the invocation fails and SQS delivers the whole batch again."""

    def __init__(self, consumer: SqsConsumer[Any], services: "RouterServices", client: _Deadlined) -> None:
        super().__init__(consumer, services, client)
        self._batch = services.queues

    def _handle(self, event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        from engage_bridge.router import read_ahead, release_unread  # noqa: PLC0415 - only this function's side
        from engage_bridge.router_batch import RoutingBatch  # noqa: PLC0415

        batch = self._batch if isinstance(self._batch, RoutingBatch) else None
        try:
            self._client.set_deadline(context.get_remaining_time_in_millis)  # the reads ahead are this invocation's
            read_ahead(self.services, event.get("Records", []))
            response = super()._handle(event, context)
        except BaseException:
            if batch is not None:
                batch.abandon()
            raise
        finally:
            release_unread(self.services)  # marks taken ahead for records the invocation never routed
        if batch is not None:
            batch.flush()
        return response


def _observed(handler: LambdaHandler) -> LambdaHandler:
    observed: LambdaHandler = logger.inject_lambda_context(
        tracer.capture_lambda_handler(metrics.log_metrics(handler), capture_response=False)  # responses can be large
    )
    return observed


def sqs_lambda_handler[M: BaseModel](
    message_model: type[M],
    effect: Callable[["Services", M], Outcome],
    environ: Mapping[str, str],
    *,
    unused: frozenset[ServicePart] = frozenset(),
) -> SqsLambdaEntry:
    """An Engage handler module's ``lambda_handler``, built at import (cold start) from its environment; ``unused``:
    the service parts its effect never touches (``build_services``)."""
    consumer, services = build_consumer(message_model, effect, environ, unused=unused)
    return SqsLambdaEntry(consumer, services, services.engage)


def router_lambda_handler(environ: Mapping[str, str]) -> SqsLambdaEntry:
    """The router module's ``lambda_handler``: ingest queue → Centra's current state → handler queues."""
    from engage_bridge.messages import IngestEvent  # noqa: PLC0415 - only this function's side, at cold start
    from engage_bridge.router import route_ingest_event  # noqa: PLC0415
    from engage_bridge.router_environment import RouterEnvironment  # noqa: PLC0415

    env = parse_environment(RouterEnvironment, environ)
    env.bind_observability()
    dynamodb = LazyClient("dynamodb")
    services, centra = build_router_services(env, load_config(dict(environ)), dynamodb)
    # No idempotency record per ingest message (two writes each): a second report of a change finds it covered by
    # the route mark, and whatever is routed twice (a redelivery) the handlers deduplicate on its business key.
    consumer = consumer_for(
        env, IngestEvent, lambda event: route_ingest_event(services, event), dynamodb, idempotency_records=False
    )
    return RouterLambdaEntry(consumer, services, centra)
