"""Redrive (send back to the source queue, then delete from the DLQ) and purge, message by message.

SQS's managed move task (``StartMessageMoveTask``) is not in moto and moves everything or nothing, so the tool
moves messages itself, at least once: a message is deleted from the DLQ only after the source queue accepted
it. A crash between the two leaves it in both queues; the handlers' idempotency on the business key makes the
second delivery a counted duplicate, not a second e-mail. A message whose send or delete fails stays in the
DLQ and is reported.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from engage_bridge_tools.dlq.letters import DeadLetter, Selection
from engage_bridge_tools.dlq.queues import Queue
from engage_bridge_tools.dlq.scan import QueueScan


@dataclass(slots=True)
class Failure:
    letter: DeadLetter
    problem: str


@dataclass(slots=True)
class Report:
    """What a survey, redrive or purge found and did."""

    seen: list[DeadLetter] = field(default_factory=list)
    selected: list[DeadLetter] = field(default_factory=list)
    done: list[DeadLetter] = field(default_factory=list)  # moved or deleted
    failures: list[Failure] = field(default_factory=list)
    exhausted: bool = True
    release_failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and self.exhausted


def survey(scan: QueueScan, selection: Selection | None = None) -> Report:
    """Every message of the queue, touching nothing."""
    report = Report()
    with scan:
        for batch in scan.batches():
            report.seen.extend(batch)
            report.selected.extend(letter for letter in batch if selection is None or letter in selection)
    return _finish(report, scan)


def find(scan: QueueScan, message_id: str) -> DeadLetter | None:
    """One message by its id; stops as soon as it is found."""
    with scan:
        for batch in scan.batches():
            for letter in batch:
                if letter.message_id == message_id:
                    return letter
    return None


def redrive(
    sqs: Any,
    scan: QueueScan,
    dead_letter_queue: Queue,
    target: Queue,
    selection: Selection,
    *,
    dry_run: bool,
    before_send: Callable[[Sequence[DeadLetter]], None] | None = None,
) -> Report:
    """Move the selected messages from ``dead_letter_queue`` to ``target``, attributes kept.

    ``before_send`` (clearing their dead-letter marks) runs before a batch is sent: once the message is back in
    its queue it may fail again at once, and its new mark must not be the one cleared.
    """
    report = Report()
    with scan:
        for batch in scan.batches():
            chosen = _take(report, batch, selection)
            if chosen and not dry_run:
                if before_send is not None:
                    before_send(chosen)
                sent = _send(sqs, target, dead_letter_queue, chosen, report)
                _delete(sqs, scan, dead_letter_queue, sent, report, after_send=True)
    return _finish(report, scan)


def purge(sqs: Any, scan: QueueScan, queue: Queue, selection: Selection) -> Report:
    """Delete the selected messages."""
    report = Report()
    with scan:
        for batch in scan.batches():
            if chosen := _take(report, batch, selection):
                _delete(sqs, scan, queue, chosen, report, after_send=False)
    return _finish(report, scan)


def _take(report: Report, batch: list[DeadLetter], selection: Selection) -> list[DeadLetter]:
    report.seen.extend(batch)
    chosen = [letter for letter in batch if letter in selection]
    report.selected.extend(chosen)
    return chosen


def _send(
    sqs: Any, target: Queue, dead_letter_queue: Queue, letters: Sequence[DeadLetter], report: Report
) -> list[DeadLetter]:
    """Send ``letters`` to ``target``; the ones SQS accepted."""
    entries = [
        {
            "Id": str(index),
            "MessageBody": letter.body,
            "MessageAttributes": letter.redriven_attributes(dead_letter_queue.name),
            **_fifo_fields(target, letter),
        }
        for index, letter in enumerate(letters)
    ]
    try:
        answer = sqs.send_message_batch(QueueUrl=target.url, Entries=entries)
    except (BotoCoreError, ClientError) as error:
        report.failures.extend(Failure(letter, f"not sent to {target.name}: {error}") for letter in letters)
        return []
    for failure in answer.get("Failed", []):
        problem = f"not sent to {target.name}: {failure.get('Code', '')} {failure.get('Message', '')}".rstrip()
        report.failures.append(Failure(letters[int(failure["Id"])], problem))
    return [letters[int(success["Id"])] for success in answer.get("Successful", [])]


def _delete(
    sqs: Any, scan: QueueScan, queue: Queue, letters: Sequence[DeadLetter], report: Report, *, after_send: bool
) -> None:
    if not letters:
        return
    # A message sent but not deleted is in both queues: say so, the handlers' idempotency absorbs the copy.
    left = "sent, but still in the DLQ (a duplicate)" if after_send else "not deleted"
    entries = [{"Id": str(index), "ReceiptHandle": letter.receipt_handle} for index, letter in enumerate(letters)]
    try:
        answer = sqs.delete_message_batch(QueueUrl=queue.url, Entries=entries)
    except (BotoCoreError, ClientError) as error:
        report.failures.extend(Failure(letter, f"{left}: {error}") for letter in letters)
        return
    for failure in answer.get("Failed", []):
        report.failures.append(Failure(letters[int(failure["Id"])], f"{left}: {failure.get('Message', '')}"))
    for success in answer.get("Successful", []):
        letter = letters[int(success["Id"])]
        scan.deleted(letter)
        report.done.append(letter)


def _fifo_fields(target: Queue, letter: DeadLetter) -> dict[str, str]:
    if not target.name.endswith(".fifo"):
        return {}
    group = letter.system_attributes.get("MessageGroupId", "redrive")
    return {"MessageGroupId": group, "MessageDeduplicationId": letter.message_id}


def _finish(report: Report, scan: QueueScan) -> Report:
    # The scan's release runs when its ``with`` block ends, before this.
    report.exhausted = scan.exhausted
    report.release_failures = list(scan.release_failures)
    return report
