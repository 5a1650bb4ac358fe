"""``engage-bridge reconcile``: compare what Centra holds for a window with the ledger (docs/reconcile.md).

Prints the drift report as a table (drifted objects, or every object with --all) and writes it as JSON with
--json. --fix re-enqueues every object with a missing effect on the stack's ingest queue; failed effects are
not retried. --spot-check N looks N contacts the ledger calls sent up in Engage by e-mail. --receipt-imports reads
members' transactions back: a receipt Engage accepted (202) but never imported is drift. Those two read Engage: the
reads lease from the stack's Engage budget in the state table, last in line (--outside-budget sends without it, at
5 requests a second; an Engage on this machine, the sandbox, needs neither).

Exit status: 0 no drift; 1 drift found (with --fix: drift --fix could not address); 2 bad input.
"""

import argparse
import os
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, TextIO

from engage_bridge.centra.client import CentraClient
from engage_bridge.engage.client import EngageClient
from engage_bridge.engage.rate_limit import RateLimiter, TokenBucket
from engage_bridge.errors import BridgeError
from engage_bridge.ingress.queue import SqsIngestQueue
from engage_bridge.reconcile import DriftReport, check_receipt_imports, enqueue_missing, reconcile
from engage_bridge.reconcile.spot_check import spot_check
from engage_bridge.state import DynamoStateStore
from engage_bridge_tools.cli import _Subparsers
from engage_bridge_tools.engage_budget import add_budget_arguments, lease_from, operator_pace, stack_rate
from engage_bridge_tools.reconcile.table import print_report
from engage_bridge_tools.reconcile.targets import TargetError, Targets, resolve

NO_DRIFT, DRIFT, USAGE_ERROR = 0, 1, 2
SPOT_CHECK_REQUESTS_PER_SECOND = 5.0  # outside the stack's budget (--outside-budget): a small slice of it


def register(subparsers: _Subparsers) -> None:
    parser = subparsers.add_parser(
        "reconcile",
        help="compare a window of Centra with what the bridge sent; report drift, optionally fix it",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--since", required=True, type=moment, metavar="DATE", help="window start (date or ISO time)")
    parser.add_argument("--until", type=moment, metavar="DATE", help="window end (default: now)")
    parser.add_argument("--fix", action="store_true", help="re-enqueue objects with missing effects")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the report as JSON ('-' for stdout)")
    parser.add_argument("--spot-check", type=int, default=0, metavar="N", help="look N sent contacts up in Engage")
    parser.add_argument(
        "--receipt-imports",
        action="store_true",
        help="read members' transactions back from Engage: receipts accepted (202) but never imported are drift",
    )
    parser.add_argument("--all", action="store_true", help="list every object, not only drifted ones")
    parser.add_argument("--stack", metavar="NAME", help="deployed stack to read targets from")
    parser.add_argument("--config", type=Path, metavar="BRAND.json", help="brand configuration (default: stack's)")
    parser.add_argument("--table", metavar="NAME", help="state table (default: stack output StateTableName)")
    parser.add_argument("--ingest-queue-url", metavar="URL", help="ingest queue for --fix (default: stack output)")
    parser.add_argument("--centra-url", metavar="URL", help="Centra GraphQL endpoint (default: stack parameter)")
    parser.add_argument("--centra-token-secret", metavar="NAME", help="Secrets Manager name of the Centra token")
    add_budget_arguments(parser)
    parser.set_defaults(func=run)


def moment(text: str) -> datetime:
    """A date (midnight UTC) or an ISO 8601 time; a time without an offset is taken as UTC."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date or ISO time: {text!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def run(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None, session: Any | None = None
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    until = args.until or datetime.now(UTC)
    if args.since >= until:
        print("engage-bridge reconcile: --since must be before --until", file=err)
        return USAGE_ERROR
    if args.spot_check < 0:
        print("engage-bridge reconcile: --spot-check must be 0 or more", file=err)
        return USAGE_ERROR
    try:
        session = session or _session()
        targets = resolve(args, session)
        report = _run(args, targets, session, until)
    except (TargetError, BridgeError, ValueError) as error:
        print(f"engage-bridge reconcile: {error}", file=err)
        return USAGE_ERROR
    if args.json is not None:
        document = report.model_dump_json(indent=2)
        if str(args.json) == "-":
            print(document, file=out)
        else:
            args.json.write_text(document + "\n", encoding="utf-8")
    if args.json is None or str(args.json) != "-":
        print_report(report, out, every_object=args.all)
    return DRIFT if remaining_drift(report) else NO_DRIFT


def remaining_drift(report: DriftReport) -> int:
    """Drifted objects, or after --fix those it could not address (a failed effect, or not enqueued)."""
    if report.fix is None:
        return report.summary.drifted_objects
    enqueued = set(report.fix.enqueued)
    return sum(
        any(e.state == "failed" or (e.state == "missing" and found.object not in enqueued) for e in found.effects)
        for found in report.drifted
    )


def _run(args: argparse.Namespace, targets: Targets, session: Any, until: datetime) -> DriftReport:
    reads_engage = bool(args.spot_check or args.receipt_imports)
    pace = _pace(args, targets, session) if reads_engage else None  # refused before Centra's window is read
    store = DynamoStateStore(session.client("dynamodb"), targets.state_table)
    with CentraClient(targets.centra_url, targets.centra_token, user_agent="reconcile") as centra:
        now = lambda: datetime.now(UTC)  # noqa: E731 - one line, used once
        result = reconcile(centra, store, targets.config, since=args.since, until=until, now=now, erasures=store)
    report = result.report
    if reads_engage:
        with EngageClient.from_config(
            targets.config.engage,
            requests_per_second=None,
            api_key=_engage_key(),
            rate_limiter=pace,
        ) as engage:
            if args.spot_check:
                report = spot_check(report, result.probes, engage, args.spot_check)
            if args.receipt_imports:
                report = check_receipt_imports(report, result.receipts, engage, store, now=lambda: datetime.now(UTC))
    if args.fix:
        assert targets.ingest_queue_url is not None  # noqa: S101 - resolve() requires it with --fix
        queue = SqsIngestQueue(session.client("sqs"), targets.ingest_queue_url)
        report = enqueue_missing(report, queue, datetime.now(UTC))
    return report


def _pace(args: argparse.Namespace, targets: Targets, session: Any) -> RateLimiter | None:
    """The stack's budget in the state table; 5 requests a second on the sandbox or outside the budget."""
    rate = stack_rate(targets.engage_requests_per_second, args.engage_requests_per_second)
    return operator_pace(
        "reconcile",
        str(targets.config.engage.base_url),
        args.outside_budget,
        lambda: lease_from(session.client("dynamodb"), targets.state_table, rate),
        TokenBucket(SPOT_CHECK_REQUESTS_PER_SECOND),
    )


def _engage_key() -> str | None:
    return os.environ.get("ENGAGE_API_KEY") or None


def _session() -> Any:
    import boto3  # noqa: PLC0415 - the CLI's other commands don't need it

    return boto3.session.Session()
