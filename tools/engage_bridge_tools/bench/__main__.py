"""Run every benchmark section and write the figures to one JSON file.

Figures are measurements of this machine, recorded with the machine's description and the commit, so a
number in a closing note can always be traced back to the run that produced it.
"""

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engage_bridge_tools.bench import aws_cost
from engage_bridge_tools.json_file import write_json
from engage_bridge_tools.local.template import load_template

# Section name -> module exposing run() -> dict[str, Any].
SECTIONS: dict[str, str] = {
    "engage_client": "engage_bridge_tools.bench.client",
    "mapping": "engage_bridge_tools.bench.mapping",
    "handlers": "engage_bridge_tools.bench.handlers",
    "ingress": "engage_bridge_tools.bench.ingress",
    "router": "engage_bridge_tools.bench.router",
    "backfill": "engage_bridge_tools.bench.backfill",
    "end_to_end": "engage_bridge_tools.bench.end_to_end",
    "lifecycle": "engage_bridge_tools.bench.lifecycle",
    "cold_import": "engage_bridge_tools.bench.cold_import",
    "memory": "engage_bridge_tools.bench.memory",
    "budget": "engage_bridge_tools.bench.budget",
    "latency": "engage_bridge_tools.bench.latency",
}


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)  # noqa: S607
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def _machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "system": platform.system(),
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    parser.add_argument("--only", action="append", choices=sorted(SECTIONS), help="run only these sections")
    args = parser.parse_args(argv)

    results: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": _machine(),
        "sections": {},
    }
    if args.only and args.out.exists():
        results["sections"] = json.loads(args.out.read_text(encoding="utf-8")).get("sections", {})
    for name in args.only or list(SECTIONS):
        print(f"bench: {name} ...", file=sys.stderr)
        results["sections"][name] = importlib.import_module(SECTIONS[name]).run()
    if "end_to_end" in results["sections"]:
        # Priced from the end-to-end run's counts, so it always describes the run next to it.
        results["sections"]["aws_cost"] = aws_cost.derive(results["sections"], load_template(), aws_cost.load_prices())
    write_json(args.out, results)
    print(json.dumps(results["sections"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
