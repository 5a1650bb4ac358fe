"""``engage-bridge replay`` and ``engage-bridge local serve``."""

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from engage_bridge_tools.local import replay
from engage_bridge_tools.local.session import SessionOptions, local_session

DEFAULT_LOG = Path(".local/functions.log")
EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "data" / "brand.example.json"


def register(subparsers: Any) -> None:
    replay_parser = subparsers.add_parser(
        "replay",
        help="run a shop file through the whole bridge locally and write every Engage request",
        description=replay.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replay_parser.add_argument("shop", type=Path, metavar="SHOP.json", help="shop file (docs/shop-format.md)")
    replay_parser.add_argument("--config", type=Path, required=True, metavar="BRAND.json", help="brand configuration")
    replay_parser.add_argument("--requests-out", type=Path, required=True, metavar="FILE.jsonl")
    replay_parser.add_argument("--log", type=Path, default=DEFAULT_LOG, help=f"function logs (default {DEFAULT_LOG})")
    replay_parser.set_defaults(func=_replay)

    local = subparsers.add_parser("local", help="the local runtime (template-driven, moto for AWS)")
    local_commands = local.add_subparsers(dest="local_command", required=True, metavar="COMMAND")
    serve = local_commands.add_parser(
        "serve",
        help="keep the bridge running with the Centra webhook on localhost",
        description=(
            "Runs every function of template.yaml against moto until Ctrl-C. The webhook route is served on "
            "--host/--port. Centra and Engage are the local fake and sandbox unless --centra-url / --engage-url "
            "name real ones (a Centra QA tenant, an Engage staging tenant); their secrets are read from the "
            "environment: CENTRA_TOKEN, ENGAGE_API_KEY, and CENTRA_WEBHOOK_SECRET (the webhook plugin's secret)."
        ),
    )
    serve.add_argument("--config", type=Path, default=EXAMPLE_CONFIG, metavar="BRAND.json")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--centra-url", help="Centra GraphQL endpoint (default: the Centra fake)")
    serve.add_argument("--engage-url", help="Engage base URL (default: the Engage sandbox)")
    serve.add_argument("--log", type=Path, default=DEFAULT_LOG)
    serve.set_defaults(func=_serve)


def _replay(args: argparse.Namespace) -> int:
    return replay.run(args.shop, args.config, args.requests_out, args.log)


def _serve(args: argparse.Namespace) -> int:
    try:
        config = json.loads(args.config.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        print(f"error: {args.config}: {error}", file=sys.stderr)
        return 2
    options = SessionOptions(
        config=config,
        log_path=args.log,
        time_scale=1.0,  # as deployed: a real Centra's webhooks and Engage's answers take real time
        http_host=args.host,
        http_port=args.port,
        centra_url=args.centra_url,
        engage_url=args.engage_url,
    )
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with local_session(options) as session:
            print(f"webhook: POST {session.runtime.route_url('/centra/webhook')}", file=sys.stderr)
            print(f"Centra:  {session.endpoints.centra_graphql_url}", file=sys.stderr)
            print(f"Engage:  {session.endpoints.engage_base_url}", file=sys.stderr)
            print(f"logs:    {args.log}   (Ctrl-C stops)", file=sys.stderr)
            while not stop.wait(5):
                depths = {name: depth for name, depth in session.runtime.queue_depths().items() if depth}
                if depths:
                    print(f"queued: {depths}", file=sys.stderr)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
