"""Voyado's retry cadence for background work, kept by SQS instead of sleeps in the function.

Voyado's retry policy asks background integrations to retry "as late as the scenario allows", with growing
intervals "10s, 30s, 60s, 300s, etc." (https://developer.voyado.com/en/api/api-retry-policy.html). A handler that
fails a record for a retryable reason (Engage 429/5xx/timeout, a contact being created elsewhere) hides that
record for the next interval with ``ChangeMessageVisibility``, picked by how often SQS has delivered it
(``ApproximateReceiveCount``), and reports it as a batch item failure; SQS delivers it again when the interval
is over. No invocation sleeps (and pays) while it waits, and the queue's ``maxReceiveCount`` still sends a record
that keeps failing to the DLQ.
"""

from typing import Any

VOYADO_CADENCE_SECONDS: tuple[int, ...] = (10, 30, 60, 300)


def retry_delay(receive_count: int, cadence: tuple[int, ...] = VOYADO_CADENCE_SECONDS) -> int:
    """Seconds to wait after the ``receive_count``-th delivery failed: the cadence, then its last step again."""
    return cadence[min(max(receive_count, 1), len(cadence)) - 1]


class SqsRetryCadence:
    """Hides a failed record of one queue for its next retry interval."""

    def __init__(self, client: Any, queue_url: str, cadence: tuple[int, ...] = VOYADO_CADENCE_SECONDS) -> None:
        self._client = client
        self._queue_url = queue_url
        self._cadence = cadence

    def postpone(self, receipt_handle: str, receive_count: int) -> int:
        """Make the record visible again after its interval; return the interval in seconds."""
        delay = retry_delay(receive_count, self._cadence)
        self._client.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=delay
        )
        return delay
