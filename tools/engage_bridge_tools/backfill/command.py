"""``engage-bridge backfill``: start a historical sync in a deployed stack and watch it, or print its status.

The start command goes to the stack's backfill queue (output ``BackfillQueueUrl``); progress is read from the
run record in the state table (output ``StateTableName``), the same record the function writes. The AWS
credentials and region are the caller's (``AWS_PROFILE``, ``AWS_REGION``); the core takes boto3 clients, so
tests run it against moto.

Exit status: 0 started (and, unless --no-wait, synchronised) or status printed; 1 refused because a run is
still in progress; 2 an operator error (no credentials, stack not found, bad dates or kinds).
"""

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO

import boto3

from engage_bridge.backfill.commands import SqsCommandQueue, StartBackfill
from engage_bridge.backfill.run import KINDS, BackfillRun, describe
from engage_bridge.backfill.store import DynamoRunStore
from engage_bridge_tools.command_line import OperatorError

BAR_WIDTH = 30


def stack_resources(cloudformation: Any, stack: str) -> tuple[str, str]:
    """The backfill queue URL and the state table name, from the stack's outputs."""
    outputs = {
        output["OutputKey"]: output["OutputValue"]
        for output in cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    }
    missing = [name for name in ("BackfillQueueUrl", "StateTableName") if name not in outputs]
    if missing:
        raise OperatorError(f"stack {stack} has no output {', '.join(missing)} (deploy a version with the backfill)")
    return outputs["BackfillQueueUrl"], outputs["StateTableName"]


def start_command(since: str | None, until: str | None, kinds: str) -> StartBackfill:
    """The start command for the CLI's options; bad dates or kinds raise pydantic's error naming the field."""
    return StartBackfill.model_validate(
        {
            "since": _moment(since) if since else None,
            "until": _moment(until) if until else None,
            "kinds": tuple(kind.strip() for kind in kinds.split(",") if kind.strip()),
        }
    )


def progress_line(run: BackfillRun | None, now: float) -> str:
    if run is None:
        return "waiting for the backfill function to start the run…"
    done = round(run.progress() * BAR_WIDTH)
    totals = ", ".join(f"{counts.get('read', 0)} {kind}" for kind, counts in run.counts.items()) or "nothing read yet"
    return f"[{'#' * done}{'.' * (BAR_WIDTH - done)}] {run.progress():4.0%} {totals} | {describe(run, now)}"


def watch(
    load: Callable[[], BackfillRun | None],
    *,
    started_after: float,
    out: TextIO = sys.stderr,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    interval: float = 5.0,
) -> BackfillRun:
    """Redraw the progress bar until the run started after ``started_after`` is synchronised."""
    while True:
        run = load()
        current = run if run is not None and run.updated_at.timestamp() >= started_after - 1 else None
        out.write("\r" + progress_line(current, clock()))
        out.flush()
        if current is not None and current.state == "synchronised":
            out.write("\n")
            return current
        sleep(interval)


def status_text(run: BackfillRun | None, now: float) -> str:
    lines = [describe(run, now)]
    if run is not None:
        for kind, counts in run.counts.items():
            lines.append(f"  {kind}: " + ", ".join(f"{name} {value}" for name, value in counts.items()))
        if run.failures_total:
            lines.append(f"  failed objects: {run.failures_total} (last {len(run.failures)} listed)")
            lines.extend(f"    {f.kind} {f.subject}: {f.reason}" for f in run.failures)
    return "\n".join(lines)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "backfill", help="historical sync: start it in a deployed stack and watch it", description=__doc__
    )
    parser.add_argument("--stack", required=True, help="the deployed stack's name")
    parser.add_argument(
        "--since", help="start of the window (ISO date or time, UTC when no offset); default historical_sync_from"
    )
    parser.add_argument(
        "--until", help="end of the window, exclusive (default: now; or the stopped run's, to resume it)"
    )
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated, any of " + ", ".join(KINDS))
    parser.add_argument("--status", action="store_true", help="print the current run's status and exit")
    parser.add_argument("--no-wait", action="store_true", help="start and return without watching")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    queue_url, table = stack_resources(boto3.client("cloudformation"), args.stack)
    store = DynamoRunStore(boto3.client("dynamodb"), table)

    def load() -> BackfillRun | None:
        loaded = store.load()
        return loaded[0] if loaded else None

    if args.status:
        print(status_text(load(), time.time()))
        return 0
    command = start_command(args.since, args.until, args.kinds)
    current = load()
    if current is not None and current.locked(time.time()):
        print(f"refused: {describe(current, time.time())}", file=sys.stderr)
        return 1
    started = time.time()
    SqsCommandQueue(boto3.client("sqs"), queue_url).send(command)
    if args.no_wait:
        return 0
    print(status_text(watch(load, started_after=started), time.time()))
    return 0


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise OperatorError(f"not an ISO date or time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
