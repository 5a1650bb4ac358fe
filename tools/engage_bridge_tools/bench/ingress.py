"""Webhook receiver figures: time per signed request, in process, with the ingest queue in moto.

Each request is a real API Gateway (payload 2.0) event with a base64 form body of ten Centra events, signed
with the endpoint secret; the figure covers signature check, parsing, ten ingest messages and the SQS batch
send. Cold import of the receiver is in the handlers section (``cold_import_ms.centra_webhook``).
"""

import base64
import json
import statistics
import time
from typing import Any, cast
from urllib.parse import quote

import boto3
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.typing import LambdaContext
from moto import mock_aws

from engage_bridge.centra.webhook_signature import signature_header
from engage_bridge.ingress.webhook_entry import webhook_handler
from engage_bridge_tools.bench.handlers import FAKE_AWS
from engage_bridge_tools.local.handlers import environment

REQUESTS = 300
EVENTS_PER_REQUEST = 10
SECRET_VALUE = "bench-endpoint-secret"  # noqa: S105 - a benchmark value, not a credential


def run() -> dict[str, Any]:
    with environment(FAKE_AWS), mock_aws():
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        boto3.client("secretsmanager").create_secret(Name="bench/centra-webhook", SecretString=SECRET_VALUE)
        sqs = boto3.client("sqs")
        queue_url = sqs.create_queue(QueueName="ingest")["QueueUrl"]
        handler = webhook_handler(
            {
                "POWERTOOLS_SERVICE_NAME": "centra-webhook",
                "POWERTOOLS_METRICS_NAMESPACE": "CentraEngageBridgeBench",
                "ENVIRONMENT_NAME": "bench",
                "INGEST_QUEUE_URL": queue_url,
                "CENTRA_WEBHOOK_SECRET": "bench/centra-webhook",
            }
        )
        samples = []
        for n in range(REQUESTS):
            event = _signed_event(n)
            started = time.perf_counter()
            response = handler(event, cast(LambdaContext, _Context()))
            samples.append((time.perf_counter() - started) * 1000)
            if response["statusCode"] != 200:
                raise RuntimeError(f"webhook refused a valid request: {response}")
            if n % 20 == 19:  # keep moto's queue shallow: its cost grows with depth
                _drain(sqs, queue_url)
    return {
        "requests": REQUESTS,
        "events_per_request": EVENTS_PER_REQUEST,
        "median_ms_per_request": round(statistics.median(samples), 2),
        "p90_ms_per_request": round(statistics.quantiles(samples, n=10)[-1], 2),
    }


def _drain(sqs: Any, queue_url: str) -> None:
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)


def _signed_event(n: int) -> dict[str, Any]:
    events = [
        {"type": "order", "action": "update", "date": "2026-11-23 10:00:00.000001", "id": 100_000 + n * 10 + i}
        for i in range(EVENTS_PER_REQUEST)
    ]
    body = ("payload=" + quote(json.dumps({"events": events}), safe="")).encode()
    return {
        "version": "2.0",
        "headers": {"x-centra-signature": signature_header(SECRET_VALUE, int(time.time()), body)},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
        "requestContext": {"http": {"method": "POST", "path": "/centra/webhook"}},
    }


class _Context:
    function_name = "bench"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-north-1:123456789012:function:bench"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000
