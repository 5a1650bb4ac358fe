"""``engage-bridge local invoke``: one function of the template, one event, no Docker.

The same stack as ``local serve`` (the template in moto, the Centra fake on the sample shop, the Engage sandbox
seeded with ``data/sample-engage.json``: the promotion assignment the sample event redeems), with no trigger
running: the function runs once on the event and whatever it queued stays in its queue, so the output shows what
it did. Before the events poller runs, it has run once (a deployed poller's first run registers its listeners)
and the sample shop's objects have been announced as new, so it has events to move. An HTTP API event is
signed again at invoke time with the local webhook secret and the current time, as Centra would sign it, so a
sample passes the replay window; ``--keep-signature`` sends it exactly as written (to see a refusal).

Prints the function's return value as JSON on stdout; on stderr the messages it left in each queue, the
requests Engage received, and where the function's log is. Exit 0 when the function returned, 1 when it
raised (its error is in the log, as Lambda would report it), 2 for an operator error.
"""

import base64
import json
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from standardwebhooks import Webhook

from engage_bridge.centra.webhook_signature import signature_header
from engage_bridge_tools.command_line import OperatorError
from engage_bridge_tools.local import storefront
from engage_bridge_tools.local.announce import announce_shop
from engage_bridge_tools.local.session import LocalSession, SessionOptions, local_session
from engage_bridge_tools.local.stack import LocalStack

SIGNATURE_HEADER = "x-centra-signature"
SAMPLE_TENANT = Path(__file__).resolve().parents[1] / "data" / "sample-engage.json"
EVENTS_POLLER = "centra_events"  # code folder of the function that reads Centra's events queue


@dataclass(frozen=True, slots=True)
class Invocation:
    function: str  # logical id
    result: Any
    error: BaseException | None
    queued: dict[str, int]  # queue logical id -> messages this invocation added to it
    engage_requests: list[str]  # "METHOD /path", in arrival order


def read_event(path: Path) -> dict[str, Any]:
    try:
        event = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise OperatorError(f"{path}: cannot read the event: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise OperatorError(f"{path}: the event is not valid JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(event, dict):
        raise OperatorError(f"{path}: an event is a JSON object")
    return event


def function_named(stack: LocalStack, name: str) -> str:
    """The logical id for ``name``: a logical id (``OrderStatusFunction``) or a code folder (``order_status``)."""
    if name in stack.functions:
        return name
    for logical_id, function in stack.functions.items():
        if function.code_dir.name == name:
            return logical_id
    known = ", ".join(sorted(function.code_dir.name for function in stack.functions.values()))
    raise OperatorError(f"no function {name!r} in template.yaml (one of: {known}; or a logical id)")


def sign_again(event: dict[str, Any], secret: str, now: int) -> dict[str, Any]:
    """The HTTP API event with its signature computed over its raw body with ``secret`` at ``now``."""
    signed = dict(event)
    signed["headers"] = {**event.get("headers", {}), SIGNATURE_HEADER: signature_header(secret, now, _raw_body(event))}
    signed["requestContext"] = {**event["requestContext"], "timeEpoch": now * 1000}
    return signed


def sign_svix_again(event: dict[str, Any], secret: str, now: int) -> dict[str, Any]:
    """An Engage (Svix) webhook event signed again over its raw body with ``secret`` at ``now``."""
    headers = {name.lower(): value for name, value in event.get("headers", {}).items()}
    prefix = "svix-" if "svix-id" in headers else "webhook-"
    moment = datetime.fromtimestamp(now, UTC)
    signature = Webhook(secret).sign(headers[f"{prefix}id"], moment, _raw_body(event))
    signed = dict(event)
    signed["headers"] = {**headers, f"{prefix}timestamp": str(now), f"{prefix}signature": signature}
    signed["requestContext"] = {**event["requestContext"], "timeEpoch": now * 1000}
    return signed


def _is_svix_event(event: dict[str, Any]) -> bool:
    return any(name.lower() in ("svix-id", "webhook-id") for name in event.get("headers", {}))


FEED_SERVE_FOLDER = "product_feed_serve"


def invoke(session: LocalSession, name: str, event: dict[str, Any], *, keep_signature: bool = False) -> Invocation:
    logical_id = function_named(session.runtime.stack, name)
    code_folder = session.runtime.stack.functions[logical_id].code_dir.name
    if code_folder == FEED_SERVE_FOLDER and not keep_signature:
        # The sample names no real token: the local stack generates one per run (LocalEndpoints).
        event = {**event, "pathParameters": {**event["pathParameters"], "token": session.endpoints.product_feed_token}}
    elif _is_http_event(event) and not keep_signature:
        if _is_svix_event(event):
            event = sign_svix_again(event, session.endpoints.engage_webhook_secret, int(time.time()))
        elif storefront.is_storefront_request(event):
            event = storefront.sign_storefront_again(event, session.endpoints.storefront_proof_secret, int(time.time()))
        else:
            event = sign_again(event, session.endpoints.centra_webhook_secret, int(time.time()))
    if code_folder == storefront.FUNCTION_FOLDER:
        storefront.record_catalogue(session)
    if code_folder == EVENTS_POLLER and session.centra is not None:
        session.runtime.pools[logical_id].invoke(event)  # registers the listeners Centra queues events for
        announce_shop(session.centra)
    before = len(session.sandbox.state()["requests"]) if session.sandbox is not None else 0
    depths = session.runtime.queue_depths()
    result: Any = None
    failure: BaseException | None = None
    try:
        result = session.runtime.pools[logical_id].invoke(event)
    except Exception as error:
        failure = error
    after = session.runtime.queue_depths()
    queued = {queue: after[queue] - depths[queue] for queue in after if after[queue] > depths[queue]}
    requests = session.sandbox.state()["requests"][before:] if session.sandbox is not None else []
    return Invocation(logical_id, result, failure, queued, [f"{r['method']} {r['path']}" for r in requests])


def invoke_options(config: dict[str, Any], log_path: Path) -> SessionOptions:
    """A session where nothing runs but the invoked function: no pollers, no schedules."""
    return SessionOptions(
        config=config,
        log_path=log_path,
        pollers=False,
        schedules=False,
        engage_seed=json.loads(SAMPLE_TENANT.read_text(encoding="utf-8")),
    )


def run(name: str, event_path: Path, config: dict[str, Any], log_path: Path, *, keep_signature: bool) -> int:
    event = read_event(event_path)
    with local_session(invoke_options(config, log_path)) as session:
        outcome = invoke(session, name, event, keep_signature=keep_signature)
    report(outcome, log_path, sys.stdout, sys.stderr)
    return 1 if outcome.error is not None else 0


def report(outcome: Invocation, log_path: Path, out: TextIO, err: TextIO) -> None:
    if outcome.error is None:
        print(json.dumps(outcome.result, indent=2, default=str), file=out)
    else:
        print(f"{outcome.function} raised {type(outcome.error).__name__}: {outcome.error}", file=err)
    queued = ", ".join(f"{queue} {depth}" for queue, depth in sorted(outcome.queued.items())) or "nothing"
    print(f"queued: {queued}", file=err)
    print(f"Engage requests: {', '.join(outcome.engage_requests) or 'none'}", file=err)
    print(f"function log: {log_path}", file=err)


def _is_http_event(event: dict[str, Any]) -> bool:
    return "requestContext" in event and "http" in event["requestContext"]


def _raw_body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else str(body).encode("utf-8")
