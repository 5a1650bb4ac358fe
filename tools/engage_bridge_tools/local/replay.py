"""``engage-bridge replay``: what would the bridge send to Engage for this shop and this configuration?

The shop file is served by the Centra fake, every object in it is announced as new through Centra's events,
and the real pipeline runs (poller, router, the five handlers) against the Engage sandbox. Every request the
sandbox received is written, in arrival order, one JSON object per line.

Exit codes: 0 drained; 1 something ended in a dead-letter queue (listed on stderr); 2 bad input.
"""

import json
import sys
from pathlib import Path
from typing import Any

from engage_bridge.centra import CentraKind, parse_centra_object
from engage_bridge.config import parse_config
from engage_bridge.errors import ConfigError, MappingError
from engage_bridge_tools.centra_fake.shop import ShopFileError, parse_shop
from engage_bridge_tools.command_line import OperatorError
from engage_bridge_tools.local.announce import announce_shop
from engage_bridge_tools.local.dead_letters import DeadLetter, dead_letters_of
from engage_bridge_tools.local.progress import ProgressBar
from engage_bridge_tools.local.session import SessionOptions, local_session

DRAIN_TIMEOUT_SECONDS = 1800.0


class BadInput(Exception):
    """A shop file or configuration that fails validation; the message names the entry."""


_KIND_BY_COLLECTION: dict[str, CentraKind] = {
    "orders": "order",
    "customers": "customer",
    "newsletterSubscriptions": "newsletter_subscription",
}


def validate_with_bridge_models(collection: str, entry: dict[str, Any]) -> None:
    """A shop entry the bridge's own models would reject is bad input for a replay, named before anything runs.

    (The Centra fake checks a shop against Centra's contract only; this is the bridge's side, so it lives here.)
    """
    kind = _KIND_BY_COLLECTION.get(collection)
    if kind is not None:
        try:
            parse_centra_object(entry, kind)
        except MappingError as error:
            raise ValueError(f"{error.field}: {error.reason}") from None


def read_inputs(shop_path: Path, config_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    shop = _read_json(shop_path, "shop file")
    try:
        parse_shop(shop, validate_with_bridge_models)
    except ShopFileError as error:
        raise BadInput(f"{shop_path}: {error}") from None
    config = _read_json(config_path, "configuration")
    try:
        parse_config(config)
    except ConfigError as error:
        raise BadInput(f"{config_path}: {error}") from None
    return shop, config


def replay(
    shop: dict[str, Any], config: dict[str, Any], log_path: Path
) -> tuple[list[dict[str, Any]], list[DeadLetter]]:
    """Run the pipeline over ``shop``; the sandbox's requests in arrival order and whatever was dead-lettered."""
    with local_session(SessionOptions(config=config, shop=shop, log_path=log_path)) as session:
        if session.centra is None or session.sandbox is None:
            raise RuntimeError("replay runs on the Centra fake and the Engage sandbox")
        session.runtime.run_until_idle(DRAIN_TIMEOUT_SECONDS)  # the poller registers its event listeners
        announce_shop(session.centra)
        bar = ProgressBar("replay")
        bar.finish(session.runtime.run_until_idle(DRAIN_TIMEOUT_SECONDS, on_progress=bar))
        requests = [
            {"method": r["method"], "path": r["path"], "query": r["query"], "body": r["body"]}
            for r in session.sandbox.state()["requests"]
        ]
        return requests, dead_letters_of(session.runtime)


def run(shop_path: Path, config_path: Path, requests_out: Path, log_path: Path) -> int:
    try:
        shop, config = read_inputs(shop_path, config_path)
    except BadInput as error:
        raise OperatorError(str(error)) from None
    requests, dead = replay(shop, config, log_path)
    requests_out.parent.mkdir(parents=True, exist_ok=True)
    with requests_out.open("w", encoding="utf-8") as out:
        for request in requests:
            out.write(json.dumps(request, ensure_ascii=False) + "\n")
    print(f"{len(requests)} Engage requests written to {requests_out}; function logs in {log_path}", file=sys.stderr)
    for letter in dead:
        print(f"dead letter in {letter.queue}: {letter.reason} ({letter.business_key or 'no key'})", file=sys.stderr)
    return 1 if dead else 0


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BadInput(f"{path}: cannot read the {what}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise BadInput(f"{path}: the {what} is not valid JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(document, dict):
        raise BadInput(f"{path}: the {what} must be a JSON object")
    return document
