"""Handler figures: time and Engage requests per message, and each handler's cold import.

Per message: every handler processes messages in batches of ten against the Engage sandbox on loopback with
no added latency, AWS in moto. The client's rate limiter is off here, so the figure is the handler's own
cost (parse, idempotency, ledger, mapping, HTTP), not the Engage budget; the budget-bound throughput is the
end-to-end benchmark's subject. Each message is a different customer, SKU or promotion, so contact lookups
and creations are counted as a live stream of new orders would cause them.

Cold import: ``import app`` in a fresh interpreter whose path holds only the layer's packages and the
function's folder, as in Lambda; median of several runs, first without bytecode (what ``sam build`` ships),
then after ``compileall``.
"""

import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import boto3
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.typing import LambdaContext
from moto import mock_aws

from engage_bridge.wiring import SqsLambdaEntry
from engage_bridge_tools.bench.layer_copy import build_layer_folder
from engage_bridge_tools.local.handlers import environment, load_handler
from engage_bridge_tools.local.template import REPO, FunctionSpec, functions, resolve_environment
from engage_bridge_tools.sandbox import EngageSandbox

MESSAGES = 100
BATCH = 10
IMPORT_RUNS = 5
SECRET_NAME = "bench/engage-api-key"  # noqa: S105 - the name of a Secrets Manager secret, not a secret
EXAMPLE_CONFIG = REPO / "tools/engage_bridge_tools/data/brand.example.json"


def run() -> dict[str, Any]:
    return {"per_message": per_message(), "cold_import_ms": cold_imports()}


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
    with environment(FAKE_AWS), EngageSandbox() as sandbox, tempfile.TemporaryDirectory() as scratch, mock_aws():
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        boto3.client("dynamodb").create_table(**state_table_definition())
        boto3.client("secretsmanager").create_secret(Name=SECRET_NAME, SecretString=sandbox.api_key)
        config = json.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
        config["engage"].update(base_url=sandbox.base_url, api_key_secret=SECRET_NAME)
        config_file = Path(scratch) / "brand.json"
        config_file.write_text(json.dumps(config), encoding="utf-8")
        for name, spec in functions().items():
            if "ENGAGE_TOTAL_CONCURRENCY" not in spec.environment:
                continue  # not an Engage handler: the router and the ingress have their own sections
            bodies = _bodies(name, sandbox)
            with _deployed(spec, config_file) as handler:
                before = len(sandbox.requests())
                started = time.perf_counter()
                for start in range(0, len(bodies), BATCH):
                    response = handler(_event(bodies[start : start + BATCH]), cast(LambdaContext, _Context()))
                    if response["batchItemFailures"]:
                        raise RuntimeError(f"{name}: {response}")
                elapsed = time.perf_counter() - started
                requests = len(sandbox.requests()) - before
                _check_every_message_took_effect(name, sandbox, len(bodies))
            results[name] = {
                "messages": len(bodies),
                "ms_per_message": round(1000 * elapsed / len(bodies), 2),
                "engage_requests_per_message": round(requests / len(bodies), 2),
            }
    return results


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
        "ENGAGE_API_KEY_SECRET": SECRET_NAME,
        "ENGAGE_REQUESTS_PER_SECOND": "50",
        "ENGAGE_TOTAL_CONCURRENCY": "1",
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


# --- cold import -------------------------------------------------------------------------------------


def cold_imports() -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        layer = build_layer_folder(Path(scratch) / "python")
        specs = functions()
        for name, spec in specs.items():
            results[name] = {"without_bytecode": _median_import(layer, spec)}
        compileall.compile_dir(layer, quiet=1, workers=os.cpu_count() or 1)
        for name, spec in specs.items():
            compileall.compile_dir(spec.code_dir, quiet=1)
            results[name]["with_bytecode"] = _median_import(layer, spec)
    return results


def _median_import(layer: Path, spec: FunctionSpec) -> float:
    local = {
        "ENVIRONMENT_NAME": "bench",
        "STATE_TABLE_NAME": "state",
        "DEAD_LETTER_QUEUE_URL": "https://sqs.eu-north-1.amazonaws.com/123456789012/dlq",
        "ENGAGE_API_KEY_SECRET": SECRET_NAME,
        "ENGAGE_REQUESTS_PER_SECOND": "40",
        "ENGAGE_TOTAL_CONCURRENCY": "10",
        "BRAND_CONFIG_PARAMETER": "/unused",
        "INGEST_QUEUE_URL": "https://sqs.eu-north-1.amazonaws.com/123456789012/ingest",
        "CENTRA_WEBHOOK_SECRET": "bench/centra-webhook",
        "CENTRA_GRAPHQL_URL": "https://bench.centraqa.com/graphql",
        "CENTRA_TOKEN_SECRET": "bench/centra-token",
        **{
            f"{name.upper()}_QUEUE_URL": f"https://sqs.eu-north-1.amazonaws.com/123456789012/{name}"
            for name in ("contact_upsert", "order_status", "receipt_push", "promotion_redemption", "stock_relay")
        },
    }
    config = json.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    config["engage"]["api_key_secret"] = SECRET_NAME
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as config_file:
        json.dump(config, config_file)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": f"{spec.code_dir}{os.pathsep}{layer}",
        **FAKE_AWS,
        # Lambda cannot write bytecode either: without this the first run would cache it for the rest.
        "PYTHONDONTWRITEBYTECODE": "1",
        "BRAND_CONFIG_FILE": config_file.name,
        **resolve_environment(spec, local),
    }
    timer = "import time; t = time.perf_counter(); import app; print(time.perf_counter() - t)"
    samples = []
    for _ in range(IMPORT_RUNS):
        # -S: no site-packages, so only the layer folder and the function folder can satisfy an import.
        out = subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
            [sys.executable, "-S", "-c", timer], env=env, cwd=spec.code_dir, capture_output=True, text=True, check=True
        )
        samples.append(float(out.stdout.strip()) * 1000)
    Path(config_file.name).unlink()
    return round(statistics.median(samples), 1)
