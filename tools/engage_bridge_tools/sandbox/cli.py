"""``engage-bridge sandbox``: run the Engage sandbox as a process until interrupted."""

import argparse
import contextlib

from engage_bridge_tools.cli import _Subparsers
from engage_bridge_tools.sandbox.app import DEFAULT_RATE_LIMIT
from engage_bridge_tools.sandbox.faults import FaultPlan
from engage_bridge_tools.sandbox.server import DEFAULT_API_KEY, EngageSandbox
from engage_bridge_tools.sandbox.state import (
    CENTRA_ORDER_STATUSES,
    CENTRA_PAYMENT_STATUSES,
    DEFAULT_CONTACT_TYPES,
    EXISTING_KEY_ANSWERS,
    Tenant,
)


def register(subparsers: _Subparsers) -> None:
    parser = subparsers.add_parser(
        "sandbox", help="run a local Engage sandbox", description="Serve a local Voyado Engage stand-in over HTTP."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8631, help="0 picks a free port")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--rate-limit", type=float, default=DEFAULT_RATE_LIMIT, help="requests/s per key; 0 = off")
    parser.add_argument("--order-statuses", type=_names, default=list(CENTRA_ORDER_STATUSES), help="comma-separated")
    parser.add_argument(
        "--payment-statuses", type=_names, default=list(CENTRA_PAYMENT_STATUSES), help="comma-separated"
    )
    parser.add_argument(
        "--contact-types", type=_names, default=list(DEFAULT_CONTACT_TYPES), help="comma-separated, matched exactly"
    )
    parser.add_argument(
        "--existing-key-answer",
        choices=EXISTING_KEY_ANSWERS,
        default="conflict",
        help="a create for an existing key: 409 ApprovedContactWithKeyExists, or the existing contact (v2 Swagger)",
    )
    parser.add_argument(
        "--receipt-import-seconds", type=float, default=0.0, help="receipts are imported this long after acceptance"
    )
    parser.add_argument("--create-seconds", type=float, default=0.0, help="how long a contact create holds its key")
    parser.add_argument("--seed", type=int, default=0, help="seed for ids and faults")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of 500/503 answers")
    parser.add_argument("--burst-rate", type=float, default=0.0, help="share of requests starting a 429 burst")
    parser.add_argument("--burst-length", type=int, default=3)
    parser.add_argument("--slow-rate", type=float, default=0.0)
    parser.add_argument("--slow-seconds", type=float, default=0.5)
    parser.add_argument("--timeout-rate", type=float, default=0.0, help="share applied, then answered too late")
    parser.add_argument("--timeout-seconds", type=float, default=65.0)
    parser.add_argument(
        "--create-timeout-rate", type=float, default=0.0, help="share of contact creates answered 504 after 5 s"
    )
    parser.add_argument("--verbose", action="store_true", help="log each request line to stderr")
    parser.set_defaults(func=run)


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _announce(base_url: str) -> None:
    print(f"Engage sandbox on {base_url} (state: {base_url}/_sandbox/state); Ctrl-C stops it", flush=True)


def run(args: argparse.Namespace) -> int:
    plan = FaultPlan(
        seed=args.seed,
        error_rate=args.error_rate,
        burst_rate=args.burst_rate,
        burst_length=args.burst_length,
        slow_rate=args.slow_rate,
        slow_seconds=args.slow_seconds,
        timeout_rate=args.timeout_rate,
        timeout_seconds=args.timeout_seconds,
        create_timeout_rate=args.create_timeout_rate,
    )
    sandbox = EngageSandbox(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        tenant=Tenant(
            contact_types=args.contact_types,
            order_statuses=args.order_statuses,
            payment_statuses=args.payment_statuses,
            default_contact_type=args.contact_types[0] if args.contact_types else "member",
            existing_key_answer=args.existing_key_answer,
            receipt_import_seconds=args.receipt_import_seconds,
            create_seconds=args.create_seconds,
        ),
        rate_limit=args.rate_limit or None,
        faults=plan,
        seed=args.seed,
        verbose=args.verbose,
    )
    with contextlib.suppress(KeyboardInterrupt):
        sandbox.serve_forever(on_ready=_announce)
    return 0
