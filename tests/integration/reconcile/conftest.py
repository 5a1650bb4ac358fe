"""The whole bridge in one process for reconciliation tests: router and the five handlers loaded from
template.yaml, moto for AWS, the Centra fake and the Engage sandbox over loopback.

``pipeline.ingest(events)`` puts ingest events on the ingest queue; ``pipeline.run()`` moves messages through
router and handlers (each function fed from its own queue, as Lambda's event source would) until all are empty.
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from engage_bridge.messages import IngestEvent
from engage_bridge_tools.centra_fake.fake import SAMPLE_SHOP
from engage_bridge_tools.local.handlers import environment, load_handler
from engage_bridge_tools.local.template import functions, resolve_environment
from engage_bridge_tools.sandbox import EngageSandbox
from tests.aws import create_state_table
from tests.integration.centra.conftest import (  # the Centra fake fixture, shared with these tests
    CentraFakeFactory,
    CentraFakeHandle,
    centra_fake_factory,  # noqa: F401
)
from tests.lambda_support import lambda_context, sqs_event

REPO = Path(__file__).resolve().parents[3]
HANDLERS = ("contact_upsert", "order_status", "receipt_push", "promotion_redemption", "stock_relay")
ENGAGE_SECRET = "centra-engage-bridge/test/engage-api-key"
CENTRA_SECRET = "centra-engage-bridge/test/centra-token"
EXPIRED_PROMOTION = "expired-promo-1"


@dataclass
class Pipeline:
    centra: CentraFakeHandle
    engage: EngageSandbox
    sqs: Any
    dynamodb: Any
    queues: dict[str, str]
    handlers: dict[str, Callable[..., Any]]
    config_file: Path

    def ingest(self, events: list[IngestEvent]) -> None:
        for event in events:
            self.sqs.send_message(QueueUrl=self.queues["ingest"], MessageBody=event.model_dump_json())

    def run(self, lose: Callable[[dict[str, Any]], bool] = lambda _: False) -> None:
        """Feed every function from its queue until no queue holds a message; handler messages for which
        ``lose`` is true vanish on the way (a lost message: the effect never happens, nothing records it)."""
        while True:
            moved = 0
            for name, queue in (("router", "ingest"), *((h, h) for h in HANDLERS)):
                bodies = self._take(self.queues[queue])
                if name != "router":
                    bodies = [body for body in bodies if not lose(json.loads(body))]
                if bodies:
                    self.handlers[name](sqs_event(bodies, queue=queue), lambda_context())
                    moved += len(bodies)
            if not moved:
                return

    def delete_ledger_row(self, subject: str, name: str) -> None:
        self.dynamodb.delete_item(TableName="state", Key={"pk": {"S": f"effect#{subject}"}, "sk": {"S": name}})

    def _take(self, url: str) -> list[str]:
        answer = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = answer.get("Messages", [])
        for message in messages:
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return [message["Body"] for message in messages]


def shop_with_an_expired_promotion(path: Path) -> Path:
    """The sample shop, with order 1001 paid and carrying a promotion Engage will refuse (expired)."""
    shop = json.loads(SAMPLE_SHOP.read_text(encoding="utf-8"))
    order = next(o for o in shop["orders"] if o["number"] == 1001)
    order["attributes"] = [
        {"type": {"name": "voyado_promotion_id"}, "elements": [{"key": "text", "value": EXPIRED_PROMOTION}]}
    ]
    order["paymentHistory"] = [
        {
            "id": 9001,
            "createdAt": order["createdAt"],
            "status": "SUCCESS",
            "entryType": "CAPTURE",
            "value": order["grandTotal"],
        }
    ]
    path.write_text(json.dumps(shop), encoding="utf-8")
    return path


@pytest.fixture
def pipeline(
    centra_fake_factory: CentraFakeFactory,  # noqa: F811 - the imported fixture, requested by name
    engage_sandbox: EngageSandbox,
    tmp_path: Path,
) -> Iterator[Pipeline]:
    centra = centra_fake_factory(shop_with_an_expired_promotion(tmp_path / "shop.json"))
    engage_sandbox.seed_promotion(EXPIRED_PROMOTION, expired=True)
    config = json.loads((REPO / "tools/engage_bridge_tools/data/brand.example.json").read_text(encoding="utf-8"))
    config["engage"].update(base_url=engage_sandbox.base_url, api_key_secret=ENGAGE_SECRET)
    config_file = tmp_path / "brand.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    with mock_aws():
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        sqs, dynamodb = boto3.client("sqs"), boto3.client("dynamodb")
        create_state_table(dynamodb)
        secrets = boto3.client("secretsmanager")
        secrets.create_secret(Name=ENGAGE_SECRET, SecretString=engage_sandbox.api_key)
        secrets.create_secret(Name=CENTRA_SECRET, SecretString=centra.token)
        names = ("ingest", "dlq", *HANDLERS)
        queues = {name: sqs.create_queue(QueueName=name)["QueueUrl"] for name in names}
        local = {
            "ENVIRONMENT_NAME": "test",
            "STATE_TABLE_NAME": "state",
            "DEAD_LETTER_QUEUE_URL": queues["dlq"],
            "BRAND_CONFIG_PARAMETER": "/unused",
            "ENGAGE_API_KEY_SECRET": ENGAGE_SECRET,
            "ENGAGE_REQUESTS_PER_SECOND": "50",
            "ENGAGE_PRIORITY": "customer",
            "CENTRA_GRAPHQL_URL": centra.graphql_url,
            "CENTRA_TOKEN_SECRET": CENTRA_SECRET,
            **{f"{name.upper()}_QUEUE_URL": url for name, url in queues.items() if name in HANDLERS},
        }
        specs = functions()
        handlers = {}
        for name in ("router", *HANDLERS):
            own = {**local, "SOURCE_QUEUE_URL": queues["ingest" if name == "router" else name]}
            variables = {**resolve_environment(specs[name], own), "BRAND_CONFIG_FILE": str(config_file)}
            with environment(variables):
                handlers[name] = load_handler(specs[name])
        yield Pipeline(centra, engage_sandbox, sqs, dynamodb, queues, handlers, config_file)
