"""Lambda's SQS poller, for one event source mapping.

Receive up to the batch size (waiting at most the batching window), invoke with the SQS event, then delete
what succeeded. With ``ReportBatchItemFailures`` only the reported records stay; without it, or when the
function raises or reports an identifier it was not given, the whole batch stays. What stays becomes
visible again after the queue's visibility timeout, and SQS itself moves a message to the DLQ once it has
been received ``maxReceiveCount`` times (moto does this too), exactly as in AWS. With a ``time_scale`` below 1
the wait before a failed record returns is shortened; the time a record stays hidden while its invocation
runs is not, so a slow invocation never sees its own records delivered a second time, unless the function
itself hides one for a short wait (2 s on its own work): then another delivery may finish and delete it before the
invocation returns, and there is nothing left to hide. ``retry_floor_seconds``
(opt-in) keeps that shortened wait above windows the functions count in real seconds: a contact-creation claim
(120 s) or an idempotency record in progress outlives five receives 4 s apart and the record is dead-lettered,
where AWS, retrying 360 s apart, finds the window closed.

A function that retries on Voyado's cadence (``retries_on_cadence``: the Engage handlers) hides a failed record
itself with ``ChangeMessageVisibility`` (10 s, 30 s, 60 s, 300 s by its receive count). At full time scale the
poller leaves that alone, as Lambda's poller does; scaled, it applies the same cadence step scaled, instead of the
queue's visibility timeout.

An optional ``DeliveryChaos`` (``delivery_faults``) adds duplicate deliveries, shuffled batches and invocations
that die mid-batch; without one nothing of it happens.
"""

import logging
import math
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from engage_bridge.retry_cadence import retry_delay
from engage_bridge_tools.local.aws_calls import runtime_only
from engage_bridge_tools.local.containers import FunctionPool
from engage_bridge_tools.local.delivery_faults import DeliveryChaos, resend_attributes
from engage_bridge_tools.local.lambda_events import sqs_record
from engage_bridge_tools.local.stack import SqsTrigger

log = logging.getLogger("engage_bridge_tools.local")

# Short enough that a record whose visibility timeout ran out (moto does not wake a waiting call for it) is taken
# within a second, and that stopping the runtime waits no longer than that.
LONG_POLL_SECONDS = 1


class SqsPoller:
    def __init__(
        self,
        trigger: SqsTrigger,
        pool: FunctionPool,
        sqs: Any,
        time_scale: float = 1.0,
        *,
        chaos: DeliveryChaos | None = None,
        retry_floor_seconds: int = 0,
        batching_window_as_deployed: bool = False,
    ) -> None:
        self.trigger = trigger
        # Scaled like every other wait by default; as deployed, the window groups records as they arrive in real
        # seconds, as Lambda's would (the cost bench: a window scaled to milliseconds batches nothing).
        self._window_seconds = trigger.batching_window_seconds * (1.0 if batching_window_as_deployed else time_scale)
        self._chaos = chaos
        self._retry_floor_seconds = retry_floor_seconds
        self._pool = pool
        self._sqs = sqs
        self._region = sqs.meta.region_name
        self._time_scale = time_scale
        attributes = sqs.get_queue_attributes(QueueUrl=trigger.queue_url, AttributeNames=["VisibilityTimeout"])
        self._visibility_seconds = int(attributes["Attributes"]["VisibilityTimeout"])

    @property
    def retry_delay(self) -> int:
        """How long a failed record stays hidden: the visibility timeout, scaled (SQS counts whole seconds), not below
        the floor nor above the timeout itself."""
        return self._scaled(self._visibility_seconds)

    def retry_delay_of(self, message: dict[str, Any]) -> int:
        """``retry_delay`` for one failed record: its cadence step when the function retries on Voyado's cadence."""
        if not self.trigger.retries_on_cadence:
            return self.retry_delay
        receive_count = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        return self._scaled(retry_delay(receive_count))

    def _scaled(self, seconds: int) -> int:
        scaled = max(1, math.ceil(seconds * self._time_scale), self._retry_floor_seconds)
        return min(scaled, self._visibility_seconds)

    def poll_once(self, on_invoke: Callable[[int, int], None] | None = None) -> int:
        """Take one batch and invoke the function with it; the number of records taken (0: queue empty)."""
        messages = self._receive_batch()
        if not messages:
            return 0
        crash_after = None
        if self._chaos is not None:
            self._send_copies(self._chaos.to_duplicate(messages))
            messages = self._chaos.reorder(messages)
            crash_after = self._chaos.crash_after(len(messages))
        records = [sqs_record(message, self.trigger.queue_arn, self._region) for message in messages]
        try:
            response = self._pool.invoke({"Records": records[:crash_after]})
        except Exception:
            log.exception(
                "%s failed; the batch of %d returns after its visibility timeout", self.trigger.function, len(messages)
            )
            failed = {message["MessageId"] for message in messages}
        else:
            failed = self._failed_ids(response, messages)
        if crash_after is not None:
            log.warning(
                "%s died (injected) after %d of %d records; the whole batch returns",
                self.trigger.function,
                crash_after,
                len(messages),
            )
            failed = {message["MessageId"] for message in messages}
        done = [message for message in messages if message["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            self._sqs.delete_message_batch(
                QueueUrl=self.trigger.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
        if self._time_scale < 1:
            # In AWS a failed record stays hidden for the rest of its visibility timeout; scaled, that is sooner.
            for message in messages:
                if message["MessageId"] in failed:
                    self._hide_until_retry(message)
        if on_invoke is not None:
            on_invoke(len(done), len(failed))
        return len(messages)

    def _hide_until_retry(self, message: dict[str, Any]) -> None:
        # Lambda's poller never does this (the record waits out its visibility timeout, or the function's own
        # hide): counted apart, not priced (aws_calls.runtime_only).
        try:
            with runtime_only():
                self._sqs.change_message_visibility(
                    QueueUrl=self.trigger.queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=self.retry_delay_of(message),
                )
        except ClientError as error:
            # The handler hid the record for a short own-work wait (2 s); while the rest of its batch ran, another
            # delivery took it, finished and deleted it. Nothing is left to retry; raising here would leave the
            # batch's successes undeleted and hidden for the unscaled visibility timeout.
            if error.response.get("Error", {}).get("Code") != "ReceiptHandleIsInvalid":
                raise

    def _send_copies(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            attributes = resend_attributes(message)
            self._sqs.send_message(
                QueueUrl=self.trigger.queue_url,
                MessageBody=message["Body"],
                **({"MessageAttributes": attributes} if attributes else {}),
            )

    def _receive_batch(self) -> list[dict[str, Any]]:
        window_ends = time.monotonic() + self._window_seconds
        batch: list[dict[str, Any]] = []
        while len(batch) < self.trigger.batch_size:
            received = self._sqs.receive_message(
                QueueUrl=self.trigger.queue_url,
                MaxNumberOfMessages=min(10, self.trigger.batch_size - len(batch)),
                # Long polling, as Lambda's pollers do: moto wakes the call when a message arrives, where short
                # polls every few milliseconds from every poller thread took most of the process's CPU.
                WaitTimeSeconds=0 if batch else LONG_POLL_SECONDS,
                # Hidden for the queue's full timeout while the function works on it, however slow it is.
                VisibilityTimeout=self._visibility_seconds,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            batch.extend(received)
            if not received:
                if not batch or time.monotonic() >= window_ends:
                    break
                time.sleep(min(0.05, max(0.0, window_ends - time.monotonic())))
        return batch

    def _failed_ids(self, response: Any, messages: list[dict[str, Any]]) -> set[str]:
        every = {message["MessageId"] for message in messages}
        if not self.trigger.report_batch_item_failures:
            return set()
        if response is None:
            return set()
        failures = response.get("batchItemFailures", []) if isinstance(response, dict) else None
        if failures is None:
            return every
        reported = {str(item.get("itemIdentifier") or "") for item in failures}
        # Lambda treats an empty or unknown identifier as a failure of the whole batch.
        return every if not reported <= every else reported
