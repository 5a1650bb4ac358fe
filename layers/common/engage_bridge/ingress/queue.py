"""The ingest queue as the receiver and the poller see it: put messages, learn which ones made it."""

from collections.abc import Sequence
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from engage_bridge.messages import IngestEvent
from engage_bridge.observability import logger

SQS_BATCH = 10


class IngestQueue(Protocol):
    def put(self, events: Sequence[IngestEvent]) -> list[bool]:
        """Enqueue ``events``; element i says whether event i is durably queued."""
        ...


class SqsIngestQueue:
    def __init__(self, client: Any, queue_url: str, *, delay_seconds: int = 0) -> None:
        self._client = client
        self._queue_url = queue_url
        # SQS holds each message back this long (the webhook's, so its read covers the same change's event).
        self._delay = {"DelaySeconds": delay_seconds} if delay_seconds else {}

    def put(self, events: Sequence[IngestEvent]) -> list[bool]:
        queued = [False] * len(events)
        for start in range(0, len(events), SQS_BATCH):
            chunk = events[start : start + SQS_BATCH]
            try:
                answer = self._client.send_message_batch(
                    QueueUrl=self._queue_url,
                    Entries=[
                        {"Id": str(start + i), "MessageBody": e.model_dump_json(), **self._delay}
                        for i, e in enumerate(chunk)
                    ],
                )
            except (BotoCoreError, ClientError) as error:
                # Reported as not queued: the caller leaves these unconfirmed, so Centra hands them out again.
                logger.warning("ingest queue refused a batch", extra={"error": type(error).__name__})
                continue
            for entry in answer.get("Successful", []):
                queued[int(entry["Id"])] = True
        return queued
