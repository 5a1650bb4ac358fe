"""``engage-bridge dlq list|show|redrive|purge <queue>``: the stack's dead letters, from the terminal.

<queue> is a queue URL, a queue name, or with --stack a function's short name (order_status, router,
centra_events, engage_consent, ...) or a queue's logical id (OrderStatusDLQ, ConsentDLQ, PollerFailureQueue), every
one the stack's template wires a function to fail into. AWS credentials and region
come from the default chain (environment, profile, instance role); --endpoint-url points at moto or another
stand-in.

Redrive sends each selected message back to the DLQ's source queue with its attributes (plus redrive_count
and redriven_from) and deletes it from the DLQ only once the send succeeded. Purge deletes the selected
messages. Messages not selected are left where they were, visible again as soon as the command ends.
Both also clear the messages' dead-letter marks in the state table (one letter per failed effect: a copy of an
effect already in a DLQ is dropped while its mark stands), found with --stack or named with --state-table; a
redriven message that fails again reaches the DLQ even where its mark could not be cleared.

Exit status: 0 done; 1 something could not be moved or deleted, or the queue could not be read to the end;
2 bad input (unknown queue or stack, a queue that is no DLQ, no such message, purge without confirmation).
"""

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from engage_bridge.dead_letter_marks import DynamoDeadLetterMarks
from engage_bridge_tools.cli import _Subparsers
from engage_bridge_tools.dlq import output
from engage_bridge_tools.dlq.letters import DeadLetter, Selection
from engage_bridge_tools.dlq.moving import Report, find, purge, redrive, survey
from engage_bridge_tools.dlq.queues import (
    DeployedStack,
    Queue,
    QueueError,
    ensure_dead_letter_queue,
    resolve_queue,
    source_queue,
)
from engage_bridge_tools.dlq.scan import QueueScan

OK, INCOMPLETE, USAGE_ERROR = 0, 1, 2
Confirm = Callable[[str], bool]


class UsageError(Exception):
    """The command line cannot be carried out as given."""


def register(subparsers: _Subparsers) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("queue", metavar="QUEUE", help="queue URL or name; with --stack a function or logical id")
    common.add_argument("--stack", metavar="NAME", help="the deployed stack, to name queues by function")
    common.add_argument("--region", help="AWS region (default: from the environment or profile)")
    common.add_argument("--endpoint-url", metavar="URL", help="SQS/CloudFormation endpoint, e.g. a moto server")
    common.add_argument("--json", action="store_true", help="machine-readable output")
    common.add_argument(
        "--state-table", metavar="NAME", help="the state table, to clear dead-letter marks (default: from --stack)"
    )
    common.add_argument(
        "--visibility-timeout",
        type=_positive,
        default=300,
        metavar="SECONDS",
        help="how long messages stay hidden if the command dies mid-scan (default 300)",
    )
    common.add_argument(
        "--wait-seconds",
        type=int,
        choices=range(21),
        default=1,
        metavar="0-20",
        help="long-poll time per receive (default 1; 0 only against moto, SQS may then answer empty early)",
    )
    parser = subparsers.add_parser(
        "dlq",
        help="list, show, redrive or purge a dead-letter queue",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="dlq_action", required=True, metavar="ACTION")

    listing = actions.add_parser("list", parents=[common], help="messages with reason, business key and errors")
    listing.set_defaults(func=run_list)

    show = actions.add_parser("show", parents=[common], help="one message in full, personal data masked")
    show.add_argument("message_id", metavar="MESSAGE_ID")
    show.add_argument("--reveal", action="store_true", help="print personal data unmasked")
    show.set_defaults(func=run_show)

    for name, handler, text in (
        ("redrive", run_redrive, "send messages back to the source queue"),
        ("purge", run_purge, "delete messages"),
    ):
        action = actions.add_parser(name, parents=[common], help=text)
        action.add_argument("--reason", action="append", default=[], help="only messages with this reason (repeatable)")
        action.add_argument("--message-id", action="append", default=[], help="only this message (repeatable)")
        action.set_defaults(func=handler)
    actions.choices["redrive"].add_argument("--dry-run", action="store_true", help="show what would move")
    actions.choices["purge"].add_argument("--yes", action="store_true", help="do not ask for confirmation")


@dataclass(frozen=True, slots=True)
class Target:
    sqs: Any
    queue: Queue
    stack: DeployedStack | None
    args: argparse.Namespace

    def scan(self) -> QueueScan:
        return QueueScan(
            self.sqs, self.queue, visibility_timeout=self.args.visibility_timeout, wait_seconds=self.args.wait_seconds
        )


def run_list(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    return _run(args, out, err, _list)


def run_show(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    return _run(args, out, err, _show)


def run_redrive(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    return _run(args, out, err, _redrive)


def run_purge(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None, confirm: Confirm | None = None
) -> int:
    return _run(args, out, err, lambda target, out, err: _purge(target, out, err, confirm or _ask))


def _list(target: Target, out: TextIO, err: TextIO) -> int:
    report = survey(target.scan())
    output.print_list(target.queue, report, out, as_json=target.args.json)
    return _status(report, err)


def _show(target: Target, out: TextIO, err: TextIO) -> int:
    letter = find(target.scan(), target.args.message_id)
    if letter is None:
        print(f"engage-bridge dlq: no message {target.args.message_id!r} in {target.queue.label}", file=err)
        return USAGE_ERROR
    output.print_message(letter, out, reveal=target.args.reveal, as_json=target.args.json)
    return OK


def _redrive(target: Target, out: TextIO, err: TextIO) -> int:
    destination = source_queue(target.sqs, target.queue, target.stack)
    if not target.args.json:
        print(f"{target.queue.label} -> {destination.label}", file=out)
    marks = None if target.args.dry_run else _dead_letter_marks(target, err)
    report = redrive(
        target.sqs,
        target.scan(),
        target.queue,
        destination,
        _selection(target.args),
        dry_run=target.args.dry_run,
        before_send=marks,
    )
    output.print_outcome("redrive", target.queue, report, out, as_json=target.args.json, dry_run=target.args.dry_run)
    return _status(report, err)


def _purge(target: Target, out: TextIO, err: TextIO, confirm: Confirm) -> int:
    selection = _selection(target.args)
    if not target.args.yes:
        planned = survey(target.scan(), selection)
        if not planned.selected:
            print(f"nothing to purge: no message in {target.queue.label} matches", file=out)
            return _status(planned, err)
        reasons = ", ".join(f"{reason}: {count}" for reason, count in output.by_reason(planned.selected).items())
        question = f"Delete {len(planned.selected)} message(s) ({reasons}) from {target.queue.label}? [y/N] "
        if not confirm(question):
            print("nothing deleted", file=out)
            return OK
        # Exactly what was confirmed: not a matching message that arrived while the question was open.
        selection = Selection(selection.reasons, frozenset(letter.message_id for letter in planned.selected))
    report = purge(target.sqs, target.scan(), target.queue, selection)
    if marks := _dead_letter_marks(target, err):
        marks(report.done)
    output.print_outcome("purge", target.queue, report, out, as_json=target.args.json)
    return _status(report, err)


def _dead_letter_marks(target: Target, err: TextIO) -> Callable[[Sequence[DeadLetter]], None] | None:
    """What clears the marks of moved or deleted letters; None (with a warning) if no state table is known."""
    table = target.args.state_table or (target.stack.physical_id("StateTable") if target.stack else None)
    if not table:
        print(
            "engage-bridge dlq: no --stack or --state-table: dead-letter marks are left to expire (14 days);"
            " until then a copy of a moved effect that fails is dropped as already dead-lettered",
            file=err,
        )
        return None
    session = boto3.session.Session(region_name=target.args.region)
    marks = DynamoDeadLetterMarks(session.client("dynamodb", endpoint_url=target.args.endpoint_url), table)

    def clear(letters: Sequence[DeadLetter]) -> None:
        for key in {letter.business_key for letter in letters if letter.business_key}:
            marks.clear(key)

    return clear


def _run(
    args: argparse.Namespace,
    out: TextIO | None,
    err: TextIO | None,
    action: Callable[[Target, TextIO, TextIO], int],
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        session = boto3.session.Session(region_name=args.region)
        sqs = session.client("sqs", endpoint_url=args.endpoint_url)
        stack = None
        if args.stack:
            stack = DeployedStack(session.client("cloudformation", endpoint_url=args.endpoint_url), args.stack)
        queue = resolve_queue(args.queue, sqs, stack)
        ensure_dead_letter_queue(sqs, queue)
    except QueueError as error:
        print(f"engage-bridge dlq: {error}", file=err)
        return USAGE_ERROR
    except (BotoCoreError, ClientError) as error:
        print(f"engage-bridge dlq: cannot reach the queue {args.queue!r}: {error}", file=err)
        return USAGE_ERROR
    try:
        return action(Target(sqs, queue, stack, args), out, err)
    except (QueueError, UsageError) as error:
        print(f"engage-bridge dlq: {error}", file=err)
        return USAGE_ERROR
    except (BotoCoreError, ClientError) as error:
        # Whatever was received is made visible again by the scan on its way out.
        print(f"engage-bridge dlq: {args.dlq_action} stopped: {error}", file=err)
        return INCOMPLETE


def _status(report: Report, err: TextIO) -> int:
    output.print_warnings(report, err)
    return OK if report.ok else INCOMPLETE


def _selection(args: argparse.Namespace) -> Selection:
    return Selection(frozenset(args.reason), frozenset(args.message_id))


def _ask(question: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError("purge needs a confirmation: run it in a terminal, or pass --yes")
    return input(question).strip().casefold() in {"y", "yes"}


def _positive(value: str) -> int:
    number = int(value)
    if not 0 < number <= 43200:
        raise argparse.ArgumentTypeError("expected seconds between 1 and 43200 (SQS's maximum)")
    return number
