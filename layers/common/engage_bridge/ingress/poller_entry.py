"""Lambda entry for the scheduled events poller (EventBridge, every minute by default).

Listeners are registered once per container (Centra's ``setEventListeners`` is idempotent, but a mutation
counts against the token's hourly mutation quota). The template reserves one concurrent execution, so two
runs never fetch the same events at once. The route marks are looked at in the state table (``BatchGetItem`` on
``route#`` keys only, its one DynamoDB permission): an event already routed is confirmed, not queued.
"""

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from msgspec.structs import asdict
from pydantic import Field

from engage_bridge.aws_clients import LazyClient
from engage_bridge.centra.client import CentraClient
from engage_bridge.environment import FeatureSwitchesEnvironment, parse_environment
from engage_bridge.ingress.poller import PollResult, listened_types, poll, register_listeners
from engage_bridge.ingress.queue import SqsIngestQueue
from engage_bridge.observability import count, logger, metrics, tracer
from engage_bridge.route_marks import DynamoRouteMarks
from engage_bridge.secrets import SecretReference

ScheduledHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


class PollerEnvironment(FeatureSwitchesEnvironment):
    ingest_queue_url: str = Field(alias="INGEST_QUEUE_URL", min_length=1)
    graphql_url: str = Field(alias="CENTRA_GRAPHQL_URL", pattern=r"^https?://")
    token_secret_name: SecretReference = Field(alias="CENTRA_TOKEN_SECRET", min_length=1)
    state_table_name: str = Field(alias="STATE_TABLE_NAME", min_length=1)  # the route marks


def poller_handler(environ: Mapping[str, str], centra: CentraClient | None = None) -> ScheduledHandler:
    env = parse_environment(PollerEnvironment, environ)
    env.bind_observability()
    client = centra or CentraClient.from_secret(env.graphql_url, env.token_secret_name, logger=logger)
    queue = SqsIngestQueue(LazyClient("sqs"), env.ingest_queue_url)
    marks = DynamoRouteMarks(LazyClient("dynamodb"), env.state_table_name)
    registered = False

    def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        nonlocal registered
        client.set_deadline(context.get_remaining_time_in_millis)
        if not registered:
            # The brand configuration is read here, on the first run, not at import: it only chooses the listeners.
            from engage_bridge.config import load_config  # noqa: PLC0415 - its models too: only this path reads it

            object_types = listened_types(
                load_config(dict(environ)),
                stock_relay_deployed=env.stock_relay_deployed,
                feed_deployed=env.product_feed_deployed,
            )
            if foreign := register_listeners(client, object_types):
                count("IntegrationLooksShared", "foreign_listeners", len(foreign))
                logger.warning(
                    "the Centra integration name looks shared: its events queue also has listeners this bridge "
                    "never registers; every consumer needs an integration name of its own (docs: README, Deploy)",
                    extra={"foreign_listeners": foreign},
                )
            registered = True
        result = poll(client, queue, lambda: context.get_remaining_time_in_millis() / 1000, marks=marks)
        _record(result)
        return {
            "fetched": result.fetched,
            "queued": result.queued,
            "confirmed": result.confirmed,
            "skipped": dict(result.skipped),
        }

    observed: ScheduledHandler = logger.inject_lambda_context(
        tracer.capture_lambda_handler(metrics.log_metrics(handle), capture_response=False)
    )
    return observed


def _record(result: PollResult) -> None:
    for name, value in (
        ("EventsFetched", result.fetched),
        ("EventsQueued", result.queued),
        ("EventsConfirmed", result.confirmed),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    # Metrics (observability.METRICS) written only when there is something to count: a zero written every minute
    # made each a custom metric all month ($0.30 each, whatever the volume); no data is what the unreadable-events
    # alarm takes as fine (TreatMissingData notBreaching).
    for name, value in (("EventsLeftUnconfirmed", result.not_queued), ("EventsUnreadable", result.unreadable)):
        if value:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    for object_type, ignored in result.ignored.items():
        count("Skipped", f"event_type_{object_type}", ignored)
    for reason, skipped in result.skipped.items():  # confirmed, not queued: "event_already_routed"
        count("Skipped", f"event_{reason}", skipped)
    if result.not_queued:
        logger.warning("some events could not be queued; left unconfirmed for the next run", extra=asdict(result))
    else:
        logger.debug("events moved", extra=asdict(result))  # its figures are the run's metrics document
