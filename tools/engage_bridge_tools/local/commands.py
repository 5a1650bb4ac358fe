"""``engage-bridge replay``, ``engage-bridge local serve`` and ``engage-bridge local invoke``."""

import argparse
import json
import os
import secrets
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from engage_bridge.config import parse_config
from engage_bridge.errors import ConfigError
from engage_bridge_tools.command_line import OperatorError
from engage_bridge_tools.local import invoke, replay
from engage_bridge_tools.local.session import SessionOptions, local_session

DEFAULT_LOG = Path(".local/functions.log")
EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "data" / "brand.example.json"
CONFIG_HELP = "brand configuration (default: the example, tools/engage_bridge_tools/data/brand.example.json)"


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
    serve.add_argument("--config", type=Path, default=EXAMPLE_CONFIG, metavar="BRAND.json", help=CONFIG_HELP)
    serve.add_argument("--host", default="127.0.0.1", help="address the webhook route listens on")
    serve.add_argument("--port", type=int, default=3000, help="port the webhook route listens on")
    serve.add_argument("--centra-url", help="Centra GraphQL endpoint (default: the Centra fake)")
    serve.add_argument("--engage-url", help="Engage base URL (default: the Engage sandbox)")
    serve.add_argument("--log", type=Path, default=DEFAULT_LOG, help="function logs")
    serve.set_defaults(func=_serve)

    invoke_parser = local_commands.add_parser(
        "invoke",
        help="run one function of template.yaml on one event, without Docker",
        description=invoke.__doc__,
    )
    invoke_parser.add_argument("function", metavar="FUNCTION", help="code folder (order_status) or logical id")
    invoke_parser.add_argument("--event", type=Path, required=True, metavar="FILE", help="event file, e.g. events/*")
    invoke_parser.add_argument("--config", type=Path, default=EXAMPLE_CONFIG, metavar="BRAND.json", help=CONFIG_HELP)
    invoke_parser.add_argument(
        "--keep-signature", action="store_true", help="send an HTTP event's signature as written, not signed anew"
    )
    invoke_parser.add_argument("--log", type=Path, default=DEFAULT_LOG, help="function logs")
    invoke_parser.set_defaults(func=_invoke)


def _replay(args: argparse.Namespace) -> int:
    return replay.run(args.shop, args.config, args.requests_out, args.log)


def brand_config(path: Path) -> dict[str, Any]:
    """The brand configuration file, validated as the functions will validate it at cold start."""
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise OperatorError(f"{path}: cannot read the brand configuration: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise OperatorError(f"{path}: not valid JSON ({error.msg} at line {error.lineno})") from None
    try:
        parse_config(config)
    except ConfigError as error:
        raise OperatorError(f"{path}: {error}") from None
    return dict(config)


def serve_secrets(centra_url: str | None, engage_url: str | None, environ: dict[str, str]) -> str | None:
    """Check the secrets a real endpoint needs before anything starts; the webhook secret to use, if generated.

    With a real Centra and no ``CENTRA_WEBHOOK_SECRET``, a secret is generated: the caller prints it, because
    Centra's webhook plugin must be given the same one or every webhook is refused.
    """
    needed = [
        name
        for name, url in (("CENTRA_TOKEN", centra_url), ("ENGAGE_API_KEY", engage_url))
        if url and not environ.get(name)
    ]
    if needed:
        raise OperatorError(f"{' and '.join(needed)} must be set in the environment to use a real endpoint")
    if environ.get("CENTRA_WEBHOOK_SECRET"):
        return None
    return secrets.token_hex(16)


def _invoke(args: argparse.Namespace) -> int:
    config = brand_config(args.config)
    return invoke.run(args.function, args.event, config, args.log, keep_signature=args.keep_signature)


def _serve(args: argparse.Namespace) -> int:
    config = brand_config(args.config)
    generated_secret = serve_secrets(args.centra_url, args.engage_url, dict(os.environ))
    options = SessionOptions(
        config=config,
        log_path=args.log,
        time_scale=1.0,  # as deployed: a real Centra's webhooks and Engage's answers take real time
        http_host=args.host,
        http_port=args.port,
        centra_url=args.centra_url,
        engage_url=args.engage_url,
        webhook_secret=generated_secret,
    )
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with local_session(options) as session:
        print(f"webhook: POST {session.runtime.route_url('/centra/webhook')}", file=sys.stderr)
        print(f"Centra:  {session.endpoints.centra_graphql_url}", file=sys.stderr)
        print(f"Engage:  {session.endpoints.engage_base_url}", file=sys.stderr)
        if generated_secret is not None:
            print(f"webhook secret (generated; CENTRA_WEBHOOK_SECRET was not set): {generated_secret}", file=sys.stderr)
            if args.centra_url:
                print(
                    "         give Centra's webhook plugin this endpoint secret, or every webhook is refused",
                    file=sys.stderr,
                )
        print(f"logs:    {args.log}   (Ctrl-C stops)", file=sys.stderr)
        while not stop.wait(5):
            depths = {name: depth for name, depth in session.runtime.queue_depths().items() if depth}
            if depths:
                print(f"queued: {depths}", file=sys.stderr)
    return 0
