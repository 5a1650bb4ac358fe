"""``engage-bridge map``: print the Engage requests the bridge would send for one Centra object.

One JSON object per line (``method``, ``path``, ``query``, ``body``), in sending order, assuming nothing was
sent before. Nothing is sent anywhere. Errors go to stderr with exit status 2.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from engage_bridge.centra import CENTRA_KINDS, Order, parse_centra_object
from engage_bridge.centra.parse import CentraKind
from engage_bridge.config import parse_config
from engage_bridge.errors import BridgeError
from engage_bridge.mapping import CONTACT_ID_PLACEHOLDER, restriction_reason
from engage_bridge.mapping.plan import plan
from engage_bridge_tools.cli import _Subparsers

USAGE_ERROR = 2


def register(subparsers: _Subparsers) -> None:
    parser = subparsers.add_parser(
        "map",
        help="print the Engage requests for a Centra object",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", required=True, type=Path, metavar="BRAND.json", help="brand configuration")
    parser.add_argument("object", type=Path, metavar="OBJECT.json", help="Centra object as JSON ('-' for stdin)")
    parser.add_argument("--kind", choices=CENTRA_KINDS, help="what the object is (default: from its __typename)")
    parser.add_argument(
        "--contact-id",
        default=CONTACT_ID_PLACEHOLDER,
        help=f"the member's Engage contact id, for receipts (default: {CONTACT_ID_PLACEHOLDER})",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        cfg = parse_config(_read(args.config))
        obj = parse_centra_object(_json(args.object), _kind(args.kind))
        requests = plan(obj, cfg, args.contact_id)
    except (BridgeError, OSError, ValueError) as exc:
        print(f"engage-bridge map: {exc}", file=err)
        return USAGE_ERROR
    if isinstance(obj, Order) and (reason := restriction_reason(obj, cfg)):
        print(f"engage-bridge map: order {obj.reference} is skipped: {reason} restriction", file=err)
    for request in requests:
        print(json.dumps(request.to_json(), ensure_ascii=False), file=out)
    return 0


def _kind(value: str | None) -> CentraKind | None:
    for kind in CENTRA_KINDS:
        if kind == value:
            return kind
    return None


def _read(path: Path) -> str:
    return sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")


def _json(path: Path) -> Any:
    try:
        return json.loads(_read(path))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
