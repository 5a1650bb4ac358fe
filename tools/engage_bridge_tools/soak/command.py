"""``engage-bridge soak``."""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from engage_bridge_tools.command_line import OperatorError
from engage_bridge_tools.json_file import write_json
from engage_bridge_tools.soak.plan import SoakPlan
from engage_bridge_tools.soak.runner import run_soak

DEFAULT_OUT = Path(".local/soak.json")
DEFAULT_LOG = Path(".local/soak-functions.log")


def register(subparsers: Any) -> None:
    defaults = SoakPlan()
    parser = subparsers.add_parser(
        "soak",
        help="run a generated shop through the local bridge under injected faults and check that nothing was lost, "
        "duplicated or blanked",
        description=(
            "Plays the demo's generated shop, plus planted poison inputs, through the local runtime while the "
            "Engage sandbox fails, throttles, slows and times out after the effect, the SQS pollers duplicate, "
            "reorder and crash deliveries, and the Centra fake drops webhooks and repeats changes. Then checks: "
            "every expected effect exactly once, nothing for restricted orders, no field blanked, the DLQs hold "
            "exactly the poison, the Engage budget kept, no personal data in the function log. Prints the figures, "
            "writes them as JSON and exits 1 on any violation (docs/soak.md)."
        ),
    )
    parser.add_argument("--orders", type=int, default=defaults.orders, help=f"orders (default {defaults.orders})")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="shop and fault seed")
    parser.add_argument(
        "--budget",
        type=float,
        default=defaults.requests_per_second,
        help=f"the stack's EngageRequestsPerSecond (default {defaults.requests_per_second:g})",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"figures as JSON (default {DEFAULT_OUT})")
    parser.add_argument("--log", type=Path, default=DEFAULT_LOG, help=f"function logs (default {DEFAULT_LOG})")
    parser.set_defaults(func=_soak)


def _soak(args: argparse.Namespace) -> int:
    try:
        plan = SoakPlan(orders=args.orders, seed=args.seed, requests_per_second=args.budget)
        summary = run_soak(plan, args.log)
    except ValueError as error:  # the generator's own check of the options, naming the one at fault
        raise OperatorError(str(error)) from None
    write_json(args.out, summary)
    print_summary(summary)
    print(f"\nFigures: {args.out}   Function logs: {args.log}")
    return 1 if summary["violations"] else 0


def print_summary(summary: dict[str, Any], out: Any = sys.stdout) -> None:
    injected = summary["injected"]
    print("Injected", file=out)
    for source in ("engage", "sqs", "centra"):
        figures = ", ".join(f"{name} {value}" for name, value in injected[source].items()) or "(none)"
        print(f"  {source}: {figures}", file=out)
    print(f"  poison: {'; '.join(injected['poison'])}", file=out)
    print(f"  customer changes emptying fields in Centra: {injected['blanked_in_centra']}", file=out)
    print("Checks", file=out)
    for name, check in summary["checks"].items():
        shown = {key: value for key, value in check.items() if key not in ("ok", "violations")}
        print(f"  {'ok  ' if check['ok'] else 'FAIL'} {name}: {json.dumps(shown)}", file=out)
    run = summary["run"]
    print("Run", file=out)
    print("  " + ", ".join(f"{name} {value}" for name, value in run.items()), file=out)
    if summary["violations"]:
        print(f"VIOLATIONS: {len(summary['violations'])}", file=out)
        for violation in summary["violations"][:100]:
            print(f"  - {violation}", file=out)
    else:
        print("OK: every promise held under the injected faults.", file=out)
