"""The backfill function as Lambda runs it: ``functions/backfill/app.py`` with the environment template.yaml
gives it, fed the sample start event and then each command it queues, until the run is synchronised."""

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from engage_bridge.backfill.store import DynamoRunStore
from engage_bridge_tools.backfill.history import generated_history
from engage_bridge_tools.centra_fake.fake import CentraFake
from engage_bridge_tools.centra_fake.server import RunningCentraFake
from engage_bridge_tools.local.handlers import load_handler
from engage_bridge_tools.local.template import functions, resolve_environment
from engage_bridge_tools.sandbox import EngageSandbox
from tests.aws import create_state_table
from tests.integration.handlers.conftest import EXAMPLE_CONFIG, SECRET_NAME, load_event
from tests.lambda_support import lambda_context, sqs_event

pytestmark = pytest.mark.integration


@pytest.fixture
def backfill_function(
    engage_sandbox: EngageSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Callable[..., Any], dict[str, str], Any]]:
    fake = CentraFake.from_document(generated_history(3))
    with mock_aws(), RunningCentraFake(fake) as server:
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        sqs, secrets = boto3.client("sqs"), boto3.client("secretsmanager")
        create_state_table(boto3.client("dynamodb"))
        secrets.create_secret(Name="centra/token", SecretString=next(iter(fake.tokens)))
        secrets.create_secret(Name=SECRET_NAME, SecretString=engage_sandbox.api_key)
        queues = {name: sqs.create_queue(QueueName=name)["QueueUrl"] for name in ("backfill", "receipt-push")}
        config = json.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
        config["engage"].update(base_url=engage_sandbox.base_url, api_key_secret=SECRET_NAME)
        (tmp_path / "brand.json").write_text(json.dumps(config), encoding="utf-8")
        local = {
            "STATE_TABLE_NAME": "state",
            "BRAND_CONFIG_PARAMETER": "/unused",
            "ENVIRONMENT_NAME": "test",
            "BACKFILL_QUEUE_URL": queues["backfill"],
            "RECEIPT_PUSH_QUEUE_URL": queues["receipt-push"],
            "CENTRA_GRAPHQL_URL": server.graphql_url,
            "CENTRA_TOKEN_SECRET": "centra/token",
            "ENGAGE_API_KEY_SECRET": SECRET_NAME,
            "ENGAGE_REQUESTS_PER_SECOND": "40",
            "ENGAGE_PRIORITY": "backfill",
        }
        spec = functions()["backfill"]
        for name, value in resolve_environment(spec, local).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("BRAND_CONFIG_FILE", str(tmp_path / "brand.json"))
        yield load_handler(spec), queues, sqs


def test_the_function_starts_from_the_sample_event_and_follows_its_own_commands_to_the_end(
    backfill_function: tuple[Callable[..., Any], dict[str, str], Any], engage_sandbox: EngageSandbox
) -> None:
    handler, queues, sqs = backfill_function

    assert handler(load_event("backfill"), lambda_context()) == {"batchItemFailures": []}
    invocations = 0
    while messages := sqs.receive_message(QueueUrl=queues["backfill"], MaxNumberOfMessages=1).get("Messages"):
        assert handler(sqs_event([messages[0]["Body"]]), lambda_context()) == {"batchItemFailures": []}
        sqs.delete_message(QueueUrl=queues["backfill"], ReceiptHandle=messages[0]["ReceiptHandle"])
        invocations += 1

    run = DynamoRunStore(boto3.client("dynamodb"), "state").load()
    assert run is not None and run[0].state == "synchronised"
    assert invocations == 2  # one page of customers, one of orders
    assert run[0].counts["orders"]["receipts_queued"] == 9
    assert len([c for c in engage_sandbox.state()["contacts"].values() if c["contactType"] == "member"]) == 3
