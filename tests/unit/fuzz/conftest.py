"""Fixtures for the fuzz tests: the webhook Lambda entry over a recording queue, and moto's DynamoDB."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from engage_bridge.ingress.webhook_entry import HttpHandler, webhook_handler
from tests.aws import create_state_table
from tests.unit.fuzz.webhook_support import NOW, SECRET, TOLERANCE, RecordingQueue


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def handler(queue: RecordingQueue, monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpHandler]:
    """The Lambda entry as the template configures it, its secret in moto's Secrets Manager, the clock at NOW."""
    monkeypatch.setattr("time.time", lambda: NOW)
    with mock_aws():
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        boto3.client("secretsmanager").create_secret(Name="centra/webhook", SecretString=SECRET)
        environ = {
            "POWERTOOLS_SERVICE_NAME": "centra-webhook",
            "POWERTOOLS_METRICS_NAMESPACE": "CentraEngageBridgeTest",
            "ENVIRONMENT_NAME": "test",
            "INGEST_QUEUE_URL": "https://sqs.eu-north-1.amazonaws.com/123456789012/ingest",
            "CENTRA_WEBHOOK_SECRET": "centra/webhook",
            "CENTRA_WEBHOOK_TOLERANCE_SECONDS": str(TOLERANCE),
        }
        yield webhook_handler(environ, queue=queue)
        parameters.clear_caches()  # type: ignore[no-untyped-call]


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    """The state table in moto, for Powertools idempotency."""
    with mock_aws():
        client = boto3.client("dynamodb")
        create_state_table(client)
        yield client
