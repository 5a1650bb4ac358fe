"""``engage-bridge centra-fake``: serve the Centra fake over HTTP until interrupted."""

import argparse
import sys
from pathlib import Path
from typing import Any, Protocol

from engage_bridge_tools.centra_fake.fake import (
    DEFAULT_INTEGRATION,
    DEFAULT_TOKEN,
    SAMPLE_SHOP,
    CentraFake,
)
from engage_bridge_tools.centra_fake.graphql_api import fake_schema
from engage_bridge_tools.centra_fake.rate_limit import RateLimit
from engage_bridge_tools.centra_fake.server import CentraFakeHTTPServer
from engage_bridge_tools.centra_fake.shop import ShopFileError, load_shop
from engage_bridge_tools.centra_fake.webhooks import WebhookTarget


def _token(value: str) -> tuple[str, str]:
    token, _, integration = value.partition("=")
    if not token:
        raise argparse.ArgumentTypeError("expected TOKEN or TOKEN=INTEGRATION_NAME")
    return token, integration or DEFAULT_INTEGRATION


def _rate_limit(value: str) -> RateLimit:
    requests, _, window = value.partition("/")
    try:
        return RateLimit(requests=int(requests), window_seconds=int(window or 10))
    except ValueError:
        raise argparse.ArgumentTypeError("expected REQUESTS or REQUESTS/SECONDS, e.g. 20/10") from None


def _share(value: str) -> float:
    share = float(value)
    if not 0 <= share <= 1:
        raise argparse.ArgumentTypeError("expected a share between 0 and 1")
    return share


class Subparsers(Protocol):
    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "centra-fake",
        help="serve a local fake of Centra's Integration API (GraphQL, events, webhooks)",
        description="Serve a local fake of Centra's Integration API. See docs/centra-fake.md.",
    )
    parser.add_argument("--shop", type=Path, default=SAMPLE_SHOP, help="shop file (default: the sample shop)")
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="listen port, 0 for any free port (default: 8765)")
    parser.add_argument(
        "--token",
        type=_token,
        action="append",
        metavar="TOKEN[=INTEGRATION]",
        help=f"an accepted token and its integration name; repeatable (default {DEFAULT_TOKEN}={DEFAULT_INTEGRATION})",
    )
    parser.add_argument("--rate-limit", type=_rate_limit, metavar="N[/SECONDS]", help="answer 429 beyond N requests")
    parser.add_argument("--webhook-url", help="POST signed webhooks for shop changes to this URL")
    parser.add_argument("--webhook-secret", default="centra-fake-secret", help="endpoint secret for X-Centra-Signature")
    parser.add_argument("--webhook-drop-share", type=_share, default=0.0, help="share of webhooks to lose (0..1)")
    parser.add_argument("--webhook-seed", type=int, default=0, help="seed for which webhooks are lost")
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="TYPE.FIELD",
        help="serve the schema without this field (a tenant that lacks it); repeatable",
    )
    parser.add_argument("--check", action="store_true", help="only validate the shop file and exit")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        shop = load_shop(args.shop)
    except (ShopFileError, OSError) as error:
        return _operator_error(f"{args.shop}: {error}")
    if args.check:
        print(f"{args.shop}: valid ({len(shop.orders)} orders, {len(shop.customers)} customers)")
        return 0
    webhook = (
        WebhookTarget(args.webhook_url, args.webhook_secret, args.webhook_drop_share, args.webhook_seed)
        if args.webhook_url
        else None
    )
    tokens = dict(args.token) if args.token else {DEFAULT_TOKEN: DEFAULT_INTEGRATION}
    without = frozenset(args.without)
    try:
        fake_schema(without)
    except ValueError as error:
        return _operator_error(f"--without {error}")
    fake = CentraFake(shop, tokens=tokens, rate_limit=args.rate_limit, webhook=webhook, without=without)
    server = CentraFakeHTTPServer(fake, args.host, args.port, verbose=args.verbose)
    print(f"Centra fake serving {server.url}/graphql (tokens: {', '.join(sorted(tokens))})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _operator_error(message: str) -> int:
    # The CLI's own one-line form (engage_bridge_tools.command_line), written here because the fake imports
    # nothing that leads to engage_bridge.
    print(f"engage-bridge centra-fake: {message}", file=sys.stderr)
    return 2
