"""The backfill Lambda: one command from the backfill queue per invocation (batch size 1).

Built once per container from the environment the template gives it. A retryable failure (another copy holds
the step, a bulk batch still running, Engage or Centra asking to slow down) is a batch item failure: SQS
redelivers the command after the visibility timeout, and after five receives it lands in the backfill DLQ.
"""

import time
from collections.abc import Mapping, Sequence
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from engage_bridge.aws_clients import LazyClient
from engage_bridge.backfill.commands import COMMAND, SqsCommandQueue
from engage_bridge.backfill.consent import BackfillConsent
from engage_bridge.backfill.step import BackfillServices, handle_command
from engage_bridge.backfill.store import DynamoRunStore
from engage_bridge.centra.client import CentraClient
from engage_bridge.config import load_config
from engage_bridge.consent import DynamoConsentStore
from engage_bridge.engage.budget import shared_budget
from engage_bridge.engage.client import EngageClient
from engage_bridge.environment import EngageBudgetEnvironment, parse_environment
from engage_bridge.errors import ConfigError
from engage_bridge.observability import count, logger, metrics, tracer
from engage_bridge.routing import Route
from engage_bridge.secrets import SecretReference
from engage_bridge.state import DynamoStateStore


class BackfillEnvironment(EngageBudgetEnvironment):
    backfill_queue_url: str = Field(alias="BACKFILL_QUEUE_URL", min_length=1)
    receipt_push_queue_url: str = Field(alias="RECEIPT_PUSH_QUEUE_URL", min_length=1)
    centra_graphql_url: str = Field(alias="CENTRA_GRAPHQL_URL", pattern=r"^https?://")
    centra_token_secret: SecretReference = Field(alias="CENTRA_TOKEN_SECRET", min_length=1)


class _ReceiptQueue:
    """The receipt handler's queue, as the router sends to it (``router.SqsHandlerQueues``), loaded with the first
    receipts an order page sends: a customer page sends none, and the router's module stays out of the cold start."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def send(self, route: Route, messages: Sequence[BaseModel]) -> None:
        from engage_bridge.router import SqsHandlerQueues  # noqa: PLC0415 - order pages only

        SqsHandlerQueues(self._sqs, {"receipt_push": self._queue_url}).send(route, messages)


class BackfillLambda:
    def __init__(self, environ: Mapping[str, str]) -> None:
        env = parse_environment(BackfillEnvironment, environ)
        env.bind_observability()
        config = load_config(dict(environ))
        if config.engage.api_key_secret != env.engage_api_key_secret:
            raise ConfigError("engage.api_key_secret", f"must be the stack's secret {env.engage_api_key_secret!r}")
        self.centra = CentraClient.from_secret(env.centra_graphql_url, env.centra_token_secret, logger=logger)
        dynamodb, sqs = LazyClient("dynamodb"), LazyClient("sqs")
        # The backfill takes what live traffic leaves of the stack's one budget (engage.budget).
        self.engage = EngageClient.from_config(
            config.engage,
            requests_per_second=None,
            rate_limiter=shared_budget(
                dynamodb, env.state_table_name, env.engage_requests_per_second, env.engage_priority
            ),
            logger=logger,
        )
        self._context: LambdaContext | None = None
        self.services = BackfillServices(
            config=config,
            centra=self.centra,
            engage=self.engage,
            ledger=DynamoStateStore(dynamodb, env.state_table_name),
            runs=DynamoRunStore(dynamodb, env.state_table_name),
            commands=SqsCommandQueue(sqs, env.backfill_queue_url),
            handlers=_ReceiptQueue(sqs, env.receipt_push_queue_url),
            clock=time.time,
            remaining_seconds=self._remaining_seconds,
            lease_seconds=900.0,
            sleep=time.sleep,
            may_create=BackfillConsent(
                config, DynamoConsentStore(dynamodb, env.state_table_name), self.engage
            ).may_create,
        )
        self._processor = BatchProcessor(event_type=EventType.SQS)
        self._handler = logger.inject_lambda_context(
            tracer.capture_lambda_handler(metrics.log_metrics(self._handle), capture_response=False)
        )

    def __call__(self, event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        result: PartialItemFailureResponse = self._handler(event, context)
        return result

    def _handle(self, event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        self._context = context
        self.centra.set_deadline(context.get_remaining_time_in_millis)
        self.engage.set_deadline(context.get_remaining_time_in_millis)
        metrics.add_metric(name="Received", unit=MetricUnit.Count, value=len(event.get("Records", [])))
        return process_partial_response(
            event=event, record_handler=self._record, processor=self._processor, context=context
        )

    def _record(self, record: SQSRecord) -> None:
        command = COMMAND.validate_json(record.body)  # a malformed command fails, and reaches the DLQ after 5 tries
        outcome = handle_command(self.services, command)
        count(outcome.state.capitalize(), outcome.reason)
        logger.info("backfill command", extra={"command": command.command, **outcome.as_dict()})

    def _remaining_seconds(self) -> float:
        return self._context.get_remaining_time_in_millis() / 1000 if self._context else 60.0
