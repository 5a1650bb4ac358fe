"""``engage-bridge demo``."""

import argparse
import sys
from pathlib import Path
from typing import Any

from engage_bridge_tools.command_line import OperatorError
from engage_bridge_tools.demo.report import print_summary
from engage_bridge_tools.demo.runner import run_demo
from engage_bridge_tools.json_file import write_json

DEFAULT_OUT = Path(".local/demo-summary.json")
DEFAULT_LOG = Path(".local/demo-functions.log")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run a generated shop through the whole bridge locally and check Engage's state against it",
        description=(
            "Generates a sample shop, starts the Centra fake, the Engage sandbox and the local runtime (the "
            "template's stack in moto), plays the shop's changes, drains every queue, prints a summary and "
            "writes it as JSON. Exits 1 if Engage's state differs from what the shop implies. No network, no "
            "AWS account, no Docker."
        ),
    )
    parser.add_argument("--orders", type=int, default=60, help="orders in the generated shop (default 60)")
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"summary JSON (default {DEFAULT_OUT})")
    parser.add_argument("--log", type=Path, default=DEFAULT_LOG, help=f"function logs (default {DEFAULT_LOG})")
    parser.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    try:
        summary = run_demo(args.orders, args.seed, args.log)
    except ValueError as error:  # the generator's own check of the options, naming the one at fault
        raise OperatorError(str(error)) from None
    write_json(args.out, summary)
    print_summary(summary, sys.stdout)
    print(f"\nSummary JSON: {args.out}   Function logs: {args.log}")
    return 1 if summary["differences"] else 0
