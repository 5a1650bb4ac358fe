"""Receive every message of a queue once, and give back every one that is still there when done.

SQS has no "read without taking": a received message is hidden for its visibility timeout. A scan receives
with a timeout long enough to cover itself, so messages it has seen stay hidden and every receive brings new
ones, until a receive comes back empty (the queue is exhausted). When the scan ends (normally, on an error or
on Ctrl-C) every message it saw and did not delete is made visible again at once. A message is therefore
never lost and never hidden for longer than the scan, or, if the process dies, than the visibility timeout.

If the scan outlives the timeout, messages it saw come back; a receive with nothing new then ends it with
``exhausted`` False (some messages may not have been examined; run again).
"""

from collections.abc import Iterator
from types import TracebackType
from typing import Any, Self

from botocore.exceptions import BotoCoreError, ClientError

from engage_bridge_tools.dlq.letters import DeadLetter
from engage_bridge_tools.dlq.queues import Queue

SQS_BATCH = 10


class QueueScan:
    def __init__(self, sqs: Any, queue: Queue, *, visibility_timeout: int = 300, wait_seconds: int = 1) -> None:
        self._sqs = sqs
        self._queue = queue
        self._visibility_timeout = visibility_timeout
        # Long polling asks every SQS server, so one empty answer means the queue is empty (short polling
        # samples a subset and may answer empty while messages wait).
        self._wait_seconds = wait_seconds
        self._hidden: dict[str, str] = {}  # message id -> latest receipt handle, for messages still in the queue
        self._deleted: set[str] = set()
        self.exhausted = False
        self.release_failures: list[str] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()

    def batches(self) -> Iterator[list[DeadLetter]]:
        """Each receive's messages not seen before, until the queue is exhausted."""
        while True:
            received = self._receive()
            if not received:
                self.exhausted = True
                return
            new = []
            for letter in received:
                if letter.message_id in self._deleted:
                    # Deleted in this scan yet delivered again (SQS is at-least-once): it is handled, delete again.
                    self._sqs.delete_message(QueueUrl=self._queue.url, ReceiptHandle=letter.receipt_handle)
                    continue
                if letter.message_id not in self._hidden:
                    new.append(letter)
                self._hidden[letter.message_id] = letter.receipt_handle
            if not new:
                return  # only messages seen before: the scan has outlived the visibility timeout
            yield new

    def deleted(self, letter: DeadLetter) -> None:
        """``letter`` is gone from the queue: nothing to give back."""
        self._hidden.pop(letter.message_id, None)
        self._deleted.add(letter.message_id)

    def release(self) -> None:
        """Make every message seen and not deleted visible again. Failures are recorded, not raised: such a
        message reappears by itself when its visibility timeout ends."""
        handles = list(self._hidden.items())
        self._hidden.clear()
        for start in range(0, len(handles), SQS_BATCH):
            chunk = handles[start : start + SQS_BATCH]
            entries = [
                {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for index, (_, handle) in enumerate(chunk)
            ]
            try:
                answer = self._sqs.change_message_visibility_batch(QueueUrl=self._queue.url, Entries=entries)
            except (BotoCoreError, ClientError) as error:
                self.release_failures.extend(f"{message_id}: {error}" for message_id, _ in chunk)
                continue
            for failure in answer.get("Failed", []):
                message_id = chunk[int(failure["Id"])][0]
                self.release_failures.append(f"{message_id}: {failure.get('Message', failure.get('Code', ''))}")

    def _receive(self) -> list[DeadLetter]:
        answer = self._sqs.receive_message(
            QueueUrl=self._queue.url,
            MaxNumberOfMessages=SQS_BATCH,
            VisibilityTimeout=self._visibility_timeout,
            WaitTimeSeconds=self._wait_seconds,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        )
        return [DeadLetter.from_sqs(message) for message in answer.get("Messages", [])]
