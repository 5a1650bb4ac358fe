"""Voyado's retry cadence for background work, kept by SQS instead of sleeps in the function.

Voyado's retry policy asks background integrations to retry "as late as the scenario allows", with growing
intervals "10s, 30s, 60s, 300s, etc." (https://developer.voyado.com/en/api/api-retry-policy.html). A handler that
fails a record for a retryable reason (Engage 429/5xx/timeout, a contact being created elsewhere) hides that
record for the next interval with ``ChangeMessageVisibility``, picked by how often SQS has delivered it
(``ApproximateReceiveCount``), and reports it as a batch item failure; SQS delivers it again when the interval
is over. No invocation sleeps (and pays) while it waits, and the queue's ``maxReceiveCount`` still sends a record
that keeps failing to the DLQ.

A wait on the bridge's own work (a contact another message is creating, a predecessor on its way, a copy of the
same effect in progress, the same Centra object being routed) is not a failure of Engage: that work usually ends
within a second or two, so its first retry comes after ``FIRST_WAIT_ON_OWN_WORK_SECONDS``, and only later ones
follow the cadence. The queue's receive count still bounds how long it may wait (bench latency: the 10 s first
step was the webhook path's p99).
"""

from typing import Any

VOYADO_CADENCE_SECONDS: tuple[int, ...] = (10, 30, 60, 300)
FIRST_WAIT_ON_OWN_WORK_SECONDS = 2


def retry_delay(
    receive_count: int, cadence: tuple[int, ...] = VOYADO_CADENCE_SECONDS, *, own_work: bool = False
) -> int:
    """Seconds to wait after the ``receive_count``-th delivery failed: the cadence, then its last step again; a
    first wait on the bridge's own work is shorter."""
    if own_work and receive_count <= 1:
        return FIRST_WAIT_ON_OWN_WORK_SECONDS
    return cadence[min(max(receive_count, 1), len(cadence)) - 1]


class SqsRetryCadence:
    """Hides a failed record of one queue for its next retry interval."""

    def __init__(self, client: Any, queue_url: str, cadence: tuple[int, ...] = VOYADO_CADENCE_SECONDS) -> None:
        self._client = client
        self._queue_url = queue_url
        self._cadence = cadence

    def postpone(self, receipt_handle: str, receive_count: int, *, own_work: bool = False) -> int:
        """Make the record visible again after its interval; return the interval in seconds."""
        delay = retry_delay(receive_count, self._cadence, own_work=own_work)
        self._client.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=delay
        )
        return delay
