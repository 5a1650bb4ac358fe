"""Deploy a handler for a test: moto for AWS, the Engage sandbox over loopback, environment from template.yaml.

``deploy("order_status")`` creates what the function's environment points at (state table, its DLQ, the API-key
secret, a brand configuration aimed at the sandbox), sets every variable the template gives the function —
literal values as the template has them, references resolved to the local resources — and imports the
function's ``app.py`` as Lambda would.
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from engage_bridge_tools.local.handlers import load_handler
from engage_bridge_tools.local.template import functions, resolve_environment
from engage_bridge_tools.sandbox import EngageSandbox
from tests.aws import create_state_table
from tests.lambda_support import lambda_context

if TYPE_CHECKING:  # importing the wiring at collection would bind Powertools before any handler's environment
    from engage_bridge.wiring import LambdaHandler

REPO = Path(__file__).resolve().parents[3]
EXAMPLE_CONFIG = REPO / "tools/engage_bridge_tools/data/brand.example.json"
SECRET_NAME = "centra-engage-bridge/test/engage-api-key"


@dataclass
class DeployedHandler:
    name: str
    lambda_handler: "LambdaHandler"
    dlq_url: str
    sqs: Any
    dynamodb: Any
    invocations: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        response = dict(self.lambda_handler(event, lambda_context()))
        self.invocations.append(response)
        return response

    def history_sent(self, event: dict[str, Any]) -> None:
        """Record as sent what the event's e-mails and receipts follow (``engage_bridge.sequence``): the sample
        events hold one shipping or return e-mail per order, whose confirmation went out before the sample."""
        from engage_bridge.messages import OrderEmail, ReceiptPush
        from engage_bridge.sequence import predecessors
        from engage_bridge.state import DynamoStateStore

        store = DynamoStateStore(self.dynamodb, "state")
        for record in event["Records"]:
            body = json.loads(record["body"])
            message = (OrderEmail if "status" in body else ReceiptPush).model_validate(body)
            for effect in predecessors(message)[:1]:
                store.record(effect, "sent", "before_the_sample")

    def dead_letters(self) -> list[tuple[dict[str, Any], dict[str, str]]]:
        received = self.sqs.receive_message(
            QueueUrl=self.dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
        ).get("Messages", [])
        return [
            (json.loads(m["Body"]), {k: v["StringValue"] for k, v in m.get("MessageAttributes", {}).items()})
            for m in received
        ]


def brand_config(sandbox: EngageSandbox, **changes: Any) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    config["engage"].update(base_url=sandbox.base_url, api_key_secret=SECRET_NAME)
    config.update(changes)
    return config


@pytest.fixture
def deploy(
    engage_sandbox: EngageSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., DeployedHandler]]:
    with mock_aws():
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        dynamodb = boto3.client("dynamodb")
        sqs = boto3.client("sqs")
        create_state_table(dynamodb)
        boto3.client("secretsmanager").create_secret(Name=SECRET_NAME, SecretString=engage_sandbox.api_key)

        def deploy_handler(name: str, **config_changes: Any) -> DeployedHandler:
            config_file = tmp_path / f"{name}-brand.json"
            config_file.write_text(json.dumps(brand_config(engage_sandbox, **config_changes)), encoding="utf-8")
            dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
            local = {
                "ENVIRONMENT_NAME": "test",
                "STATE_TABLE_NAME": "state",
                "DEAD_LETTER_QUEUE_URL": dlq_url,
                "SOURCE_QUEUE_URL": sqs.create_queue(QueueName=name)["QueueUrl"],
                "ENGAGE_API_KEY_SECRET": SECRET_NAME,
                "ENGAGE_REQUESTS_PER_SECOND": "50",
                "ENGAGE_PRIORITY": "customer",
                "BRAND_CONFIG_PARAMETER": "/unused/when/a/file/is/given",
            }
            spec = functions()[name]
            for variable, value in resolve_environment(spec, local).items():
                monkeypatch.setenv(variable, value)
            monkeypatch.setenv("BRAND_CONFIG_FILE", str(config_file))  # local stand-in for the SSM parameter
            return DeployedHandler(name, load_handler(spec), dlq_url, sqs, dynamodb)

        yield deploy_handler


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((REPO / "events" / f"{name}.json").read_text(encoding="utf-8"))
    return event


def records(event: dict[str, Any], *indexes: int) -> dict[str, Any]:
    """An event holding only the given records of ``event``."""
    return {"Records": [event["Records"][i] for i in indexes]}
