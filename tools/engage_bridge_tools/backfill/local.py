"""A backfill wired in one process: moto for AWS (state table, backfill and receipt queues), the Centra fake and
the Engage sandbox over loopback. Tests and the benchmark drive it; the command queue is drained the way Lambda's
SQS poller would (one message per invocation, deleted on success, left for redelivery on failure).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engage_bridge.backfill.commands import COMMAND, SqsCommandQueue
from engage_bridge.backfill.consent import BackfillConsent
from engage_bridge.backfill.step import BackfillServices, handle_command
from engage_bridge.backfill.store import DynamoRunStore
from engage_bridge.centra.client import CentraClient
from engage_bridge.config import BrandConfig
from engage_bridge.consent import DynamoConsentStore
from engage_bridge.contacts import ContactDirectory
from engage_bridge.effects.receipt_push import push_receipt
from engage_bridge.effects.services import Services
from engage_bridge.engage.client import EngageClient
from engage_bridge.messages import ReceiptPush
from engage_bridge.outcome import Outcome
from engage_bridge.router import SqsHandlerQueues
from engage_bridge.state import DynamoStateStore


@dataclass
class LocalBackfill:
    """``sqs``/``dynamodb`` are boto3 clients inside ``mock_aws``; ``table`` exists already."""

    config: BrandConfig
    centra: CentraClient
    engage: EngageClient
    receipt_engage: EngageClient
    sqs: Any
    dynamodb: Any
    table: str = "state"
    page_size: int | None = None
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[Exception] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.backfill_queue = self.sqs.create_queue(QueueName="backfill")["QueueUrl"]
        self.receipt_queue = self.sqs.create_queue(QueueName="receipt-push")["QueueUrl"]
        self.ledger = DynamoStateStore(self.dynamodb, self.table)
        self.runs = DynamoRunStore(self.dynamodb, self.table)
        self.commands = SqsCommandQueue(self.sqs, self.backfill_queue)
        self.services = BackfillServices(
            config=self.config,
            centra=self.centra,
            engage=self.engage,
            ledger=self.ledger,
            runs=self.runs,
            commands=self.commands,
            handlers=SqsHandlerQueues(self.sqs, {"receipt_push": self.receipt_queue}),
            clock=self._now,
            remaining_seconds=lambda: 300.0,
            lease_seconds=900.0,
            sleep=self._pause,
            page_size=self.page_size,
            may_create=BackfillConsent(
                self.config, DynamoConsentStore(self.dynamodb, self.table), self.engage
            ).may_create,
        )
        self.receipt_services = Services(
            self.config,
            self.receipt_engage,
            self.ledger,
            ContactDirectory(self.receipt_engage, self.ledger, self.config.engage.source),
            DynamoConsentStore(self.dynamodb, self.table),
        )

    def drain_commands(self, *, limit: int = 10_000) -> int:
        """Work commands until the queue is empty or one fails; a failed one is left visible for redelivery."""
        worked = 0
        while worked < limit and (messages := self._receive(self.backfill_queue)):
            message = messages[0]
            worked += 1
            try:
                outcome = handle_command(self.services, COMMAND.validate_json(message["Body"]))
            except Exception as error:
                self.errors.append(error)
                self.sqs.change_message_visibility(
                    QueueUrl=self.backfill_queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
                return worked
            self.outcomes.append(outcome)
            self.sqs.delete_message(QueueUrl=self.backfill_queue, ReceiptHandle=message["ReceiptHandle"])
        return worked

    def drain_receipts(self) -> int:
        """Run the receipt handler's effect on every queued receipt (its ledger check stops duplicates)."""
        pushed = 0
        while messages := self._receive(self.receipt_queue, 10):
            for message in messages:
                push_receipt(self.receipt_services, ReceiptPush.model_validate_json(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.receipt_queue, ReceiptHandle=message["ReceiptHandle"])
                pushed += 1
        return pushed

    def _now(self) -> float:
        return self.clock()

    def _pause(self, seconds: float) -> None:
        self.sleep(seconds)

    def _receive(self, queue_url: str, count: int = 1) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=count, VisibilityTimeout=60, WaitTimeSeconds=0
        )
        messages: list[dict[str, Any]] = answer.get("Messages", [])
        return messages
