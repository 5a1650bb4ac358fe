"""Handler figures: time and Engage requests per message, against a bare request of the same body.

Per message: every handler processes messages in batches of ten against the Engage sandbox on loopback with
no added latency, AWS in moto. The client's rate limiter is off here, so the figure is the handler's own
cost (parse, idempotency, ledger, mapping, HTTP), not the Engage budget; the budget-bound throughput is the
end-to-end benchmark's subject. Each message is a different customer, SKU or promotion, so contact lookups
and creations are counted as a live stream of new orders would cause them.

Against a bare request: the request that carries each message's effect (the e-mail trigger, the receipt, the
created contact, the redeem, the stock levels) is taken from the sandbox's log after the handler ran and sent
again, byte for byte the same body, with a plain keep-alive ``httpx.Client`` to the same sandbox. That is the
least any bridge must do per message; the ratio says what the handler's parsing, idempotency, ledger, lookups
and mapping cost on top. The sandbox answers a repeated receipt or e-mail trigger as it answered the first
(receipts are queued again, e-mail triggers counted again); a contact create goes to a fresh e-mail and a redeem
to a fresh assignment, since a second create for the same key or a second redeem of the same assignment is a 409,
a different code path.

Cold import has a section of its own (``cold_import``).
"""

import json
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import boto3
import httpx
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.typing import LambdaContext
from moto import mock_aws

from engage_bridge.wiring import SqsLambdaEntry
from engage_bridge_tools.bench.endpoints import endpoint
from engage_bridge_tools.local.aws_calls import AwsCallCounter
from engage_bridge_tools.local.handlers import environment, load_handler
from engage_bridge_tools.local.template import REPO, FunctionSpec, functions, resolve_environment
from engage_bridge_tools.sandbox import EngageSandbox

MESSAGES = 100
BATCH = 10
SECRET_NAME = "bench/engage-api-key"  # noqa: S105 - the name of a Secrets Manager secret, not a secret
EXAMPLE_CONFIG = REPO / "tools/engage_bridge_tools/data/brand.example.json"
# The request that carries each handler's effect: what a bare client would have to send per message at least.
EFFECT_ENDPOINTS = {
    "contact_upsert": "POST /api/v3/contacts",
    "order_status": "POST /api/v2/orders",
    "receipt_push": "POST /api/v3/receipts",
    "promotion_redemption": "POST /api/v3/promotion-assignments/{assignmentId}/redeem",
    "stock_relay": "PUT /api/v2/inventory/stock-levels/batch",
}


def run() -> dict[str, Any]:
    return {"per_message": per_message()}


# --- per message -------------------------------------------------------------------------------------


# moto only: these credentials can reach nothing, and no tracing daemon runs here.
FAKE_AWS = {
    "AWS_DEFAULT_REGION": "eu-north-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "POWERTOOLS_TRACE_DISABLED": "1",
}


def per_message() -> dict[str, Any]:
    results = {}
    # No per-key limit: the bare-request baseline sends back to back (well above 200/s) to time the request alone;
    # the handlers keep to their own budget either way.
    sandbox_without_limit = EngageSandbox(rate_limit=None)
    with environment(FAKE_AWS), sandbox_without_limit as sandbox, tempfile.TemporaryDirectory() as scratch, mock_aws():
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        boto3.client("dynamodb").create_table(**state_table_definition())
        boto3.client("secretsmanager").create_secret(Name=SECRET_NAME, SecretString=sandbox.api_key)
        config = json.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
        config["engage"].update(base_url=sandbox.base_url, api_key_secret=SECRET_NAME)
        config_file = Path(scratch) / "brand.json"
        config_file.write_text(json.dumps(config), encoding="utf-8")
        for name, spec in functions().items():
            if name not in EFFECT_ENDPOINTS:
                continue  # not one of the five Engage handlers: router, ingress and backfill have their own sections
            bodies = _bodies(name, sandbox)
            # Installed before the cold start: a client copies its session's event hooks when it is made.
            calls = AwsCallCounter()
            calls.install()
            with _deployed(spec, config_file) as handler:
                before = len(sandbox.requests())
                calls.reset()
                started = time.perf_counter()
                for start in range(0, len(bodies), BATCH):
                    response = handler(_event(bodies[start : start + BATCH]), cast(LambdaContext, _Context()))
                    if response["batchItemFailures"]:
                        raise RuntimeError(f"{name}: {response}")
                elapsed = time.perf_counter() - started
                calls.uninstall()
                made = sandbox.requests()[before:]
                _check_every_message_took_effect(name, sandbox, len(bodies))
            bare_ms = _bare_ms_per_message(name, sandbox, made, len(bodies))
            handler_ms = 1000 * elapsed / len(bodies)
            results[name] = {
                "messages": len(bodies),
                "ms_per_message": round(handler_ms, 2),
                "engage_requests_per_message": round(len(made) / len(bodies), 2),
                "engage_requests_by_endpoint": dict(Counter(endpoint(r["method"], r["path"]) for r in made)),
                # In moto, in process: part of the handler's time here, a network round trip each in Lambda.
                "aws_calls_per_message": {k: round(v / len(bodies), 2) for k, v in calls.snapshot().items()},
                "bare_request": EFFECT_ENDPOINTS[name],
                "bare_ms_per_message": round(bare_ms, 2),
                "ratio_to_bare_request": round(handler_ms / bare_ms, 1),
            }
    return results


def _bare_ms_per_message(name: str, sandbox: EngageSandbox, made: list[dict[str, Any]], messages: int) -> float:
    """Send each message's effect request again with a plain client; mean milliseconds per request."""
    effects = [r for r in made if endpoint(r["method"], r["path"]) == EFFECT_ENDPOINTS[name]]
    if len(effects) != messages:
        raise RuntimeError(f"{name}: {len(effects)} {EFFECT_ENDPOINTS[name]} requests for {messages} messages")
    requests = []
    for logged in effects:
        path = logged["path"]
        if name == "promotion_redemption":
            path = f"/api/v3/promotion-assignments/{sandbox.seed_promotion()}/redeem"
        url = f"{path}?{logged['query']}" if logged["query"] else path
        sent = logged["body"]
        if name == "contact_upsert":
            sent = {**sent, "email": f"bare-{sent['email']}"}  # Engage refuses a second create for one key
        # Serialised as the bridge's Engage session does, so the bytes on the wire are the same.
        body = None if sent is None else json.dumps(sent, separators=(",", ":")).encode()
        requests.append((logged["method"], url, body))
    headers = {"apikey": sandbox.api_key, "Content-Type": "application/json", "User-Agent": "bench/1"}
    with httpx.Client(base_url=sandbox.base_url, headers=headers) as client:
        client.get("/api/v3/contacts/id", params={"email": "warm-up@example.com"})  # open the connection
        started = time.perf_counter()
        for method, url, body in requests:
            client.request(method, url, content=body).raise_for_status()
        elapsed = time.perf_counter() - started
    return 1000 * elapsed / messages


def _check_every_message_took_effect(name: str, sandbox: EngageSandbox, expected: int) -> None:
    """A benchmark that timed skips or failures would be a lie: every message must have had its effect."""
    state = sandbox.state()
    effects = {
        "contact_upsert": sum(1 for c in state["contacts"].values() if "bench-contact" in str(c)),
        "order_status": sum(a["count"] for a in state["automation_counts"] if a["orderNumber"].startswith("9")),
        "receipt_push": sum(1 for key in state["receipts"] if key.startswith("9")),
        "promotion_redemption": sum(1 for p in state["promotions"].values() if p["redeemed"]),
        "stock_relay": len({key.split("|")[0] for key in state["stock_levels"] if key.startswith("BENCH-")}),
    }[name]
    if effects != expected:
        raise RuntimeError(f"{name}: {effects} effects in Engage for {expected} messages")


@contextmanager
def _deployed(spec: FunctionSpec, config_file: Path) -> Iterator[SqsLambdaEntry]:
    sqs = boto3.client("sqs")
    local = {
        "ENVIRONMENT_NAME": "bench",
        "STATE_TABLE_NAME": "state",
        "DEAD_LETTER_QUEUE_URL": sqs.create_queue(QueueName=f"{spec.name}-dlq")["QueueUrl"],
        "SOURCE_QUEUE_URL": sqs.create_queue(QueueName=spec.name)["QueueUrl"],
        "ENGAGE_API_KEY_SECRET": SECRET_NAME,
        "ENGAGE_REQUESTS_PER_SECOND": "50",
        "ENGAGE_PRIORITY": "customer",
        "BRAND_CONFIG_PARAMETER": "/unused",
    }
    variables = {**resolve_environment(spec, local), "BRAND_CONFIG_FILE": str(config_file)}
    with environment(variables):
        entry = load_handler(spec)
        if not isinstance(entry, SqsLambdaEntry):
            raise TypeError(f"{spec.logical_id}: lambda_handler is not an SQS entry point")
        # The handler's own cost, not the Engage budget: the end-to-end benchmark measures that.
        entry.services.engage.set_rate(None)
        yield entry


def _bodies(name: str, sandbox: EngageSandbox) -> list[str]:
    template = json.loads(json.loads((REPO / "events" / f"{name}.json").read_text())["Records"][0]["body"])
    bodies = []
    for n in range(MESSAGES):
        message = json.loads(json.dumps(template))
        if name in {"order_status", "receipt_push"}:
            number = 900_000 + n
            message["order"]["number"] = number
            message["order"]["customer"]["email"] = f"bench-{name}-{n}@example.com"
            for index, shipment in enumerate(message["order"]["shipments"], start=1):
                shipment["number"] = f"{number}-{index}"  # Centra numbers deliveries after their order
        elif name == "contact_upsert":
            message["customer"]["email"] = f"bench-contact-{n}@example.com"
            message["customer"]["id"] = 50_000 + n
        elif name == "promotion_redemption":
            message["order_number"] = 900_000 + n
            message["assignment_id"] = sandbox.seed_promotion()
        elif name == "stock_relay":
            message["level"]["productSize"]["SKU"] = f"BENCH-{n}"
        bodies.append(json.dumps(message))
    return bodies


def _event(bodies: list[str]) -> dict[str, Any]:
    return {
        "Records": [
            {"messageId": f"m{i}", "receiptHandle": f"h{i}", "body": body, "attributes": {}, "messageAttributes": {}}
            for i, body in enumerate(bodies)
        ]
    }


def state_table_definition() -> dict[str, Any]:
    from engage_bridge_tools.local.template import load_template  # noqa: PLC0415

    properties = load_template()["Resources"]["StateTable"]["Properties"]
    return {
        "TableName": "state",
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties["BillingMode"],
    }


class _Context:
    function_name = "bench"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-north-1:123456789012:function:bench"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000
