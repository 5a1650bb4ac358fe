"""The Lambda entry of POST /back-in-stock/subscriptions against moto: the proof header, the client's address as
API Gateway saw it, the answer's headers and the metrics the alarm and dashboards read."""

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from engage_bridge.engage.client import EngageClient
from engage_bridge.errors import ConfigError
from engage_bridge.subscriptions.catalogue import DynamoSkuCatalogue
from engage_bridge.subscriptions.entry import subscription_handler
from engage_bridge.subscriptions.proof import sign
from engage_bridge_tools.sandbox.app import SandboxApp
from tests.aws import create_state_table
from tests.lambda_support import emitted_metrics, lambda_context
from tests.unit.subscriptions.test_take import CONFIG, _sandbox_transport

SECRET = "storefront-secret"
EVENT = Path(__file__).resolve().parents[3] / "events" / "back_in_stock_subscription.json"


@pytest.fixture
def aws(tmp_path: Path) -> Iterator[dict[str, str]]:
    config = tmp_path / "brand.json"
    config.write_text(json.dumps(CONFIG), encoding="utf-8")
    with mock_aws():
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        boto3.client("secretsmanager").create_secret(Name="storefront/proof", SecretString=SECRET)
        dynamodb = boto3.client("dynamodb")
        create_state_table(dynamodb)
        DynamoSkuCatalogue(dynamodb, "state").record("1", ["SKU-M"])
        yield {
            "POWERTOOLS_SERVICE_NAME": "back-in-stock-subscription",
            "POWERTOOLS_METRICS_NAMESPACE": "CentraEngageBridgeTest",
            "ENVIRONMENT_NAME": "test",
            "STATE_TABLE_NAME": "state",
            "STOREFRONT_PROOF_SECRET": "storefront/proof",
            "ENGAGE_API_KEY_SECRET": "engage-key",
            "ENGAGE_REQUESTS_PER_SECOND": "40",
            "ENGAGE_PRIORITY": "transactional",
            "BRAND_CONFIG_FILE": str(config),
        }


def http_event(body: bytes, proof: str | None, source_ip: str = "203.0.113.7") -> dict[str, Any]:
    headers = {"content-type": "application/json"}
    if proof is not None:
        headers["X-Storefront-Proof"] = proof
    return {
        "version": "2.0",
        "routeKey": "POST /back-in-stock/subscriptions",
        "rawPath": "/back-in-stock/subscriptions",
        "headers": headers,
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
        "requestContext": {"http": {"method": "POST", "path": "/back-in-stock/subscriptions", "sourceIp": source_ip}},
    }


def test_a_signed_request_subscribes_and_a_forged_one_is_refused(
    aws: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox = SandboxApp(api_key="k", rate_limit=None)
    engage = EngageClient(
        "https://engage.example", "k", requests_per_second=None, transport=_sandbox_transport(sandbox)
    )
    handler = subscription_handler(aws, engage=engage)
    body = json.dumps({"email": "ada@example.com", "sku": "SKU-M", "market": "1", "locale": "sv-SE"}).encode()
    capsys.readouterr()

    taken = handler(http_event(body, sign(SECRET, body, int(time.time()) + 120)), lambda_context())
    forged = handler(http_event(body, sign("guess", body, int(time.time()) + 120)), lambda_context())
    unsigned = handler(http_event(body, None), lambda_context())

    assert (taken["statusCode"], json.loads(taken["body"])) == (201, {"status": "subscribed"})
    assert taken["headers"]["Cache-Control"] == "no-store"
    assert (forged["statusCode"], json.loads(forged["body"])) == (401, {"status": "proof_mismatch"})
    assert (unsigned["statusCode"], json.loads(unsigned["body"])) == (401, {"status": "proof_missing"})
    assert len(sandbox.state.snapshot()["subscriptions"]) == 1
    metrics = emitted_metrics(capsys.readouterr().out)
    assert sorted(d["reason"] for n, d in metrics if n == "BackInStockRefused") == ["proof_mismatch", "proof_missing"]
    assert [d["reason"] for n, d in metrics if n == "BackInStockSubscriptions"] == ["subscribed"]


def test_a_throttled_client_is_told_when_to_come_back(aws: dict[str, str]) -> None:
    sandbox = SandboxApp(api_key="k", rate_limit=None)
    engage = EngageClient(
        "https://engage.example", "k", requests_per_second=None, transport=_sandbox_transport(sandbox)
    )
    handler = subscription_handler(aws, engage=engage)
    answers = []
    for n in range(5):
        body = json.dumps({"email": f"p{n}@example.com", "sku": "SKU-M", "market": "1", "locale": "sv-SE"}).encode()
        answers.append(handler(http_event(body, sign(SECRET, body, int(time.time()) + 120)), lambda_context()))

    assert [a["statusCode"] for a in answers] == [201, 201, 201, 201, 429]
    assert 0 < int(answers[-1]["headers"]["Retry-After"]) <= 3600


def test_the_sample_event_is_a_well_formed_request() -> None:
    event = json.loads(EVENT.read_text(encoding="utf-8"))
    body = json.loads(base64.b64decode(event["body"]) if event.get("isBase64Encoded") else event["body"])
    assert set(body) == {"email", "sku", "market", "locale", "newsletter"}
    assert event["headers"]["x-storefront-proof"].startswith("t=")


def test_an_unhandled_httpx_error_never_reaches_the_storefront_as_a_traceback(aws: dict[str, str]) -> None:
    engage = EngageClient(
        "https://engage.example",
        "k",
        requests_per_second=None,
        transport=httpx.MockTransport(lambda request: httpx.Response(400, json={"errorCode": "X", "message": "m"})),
    )
    handler = subscription_handler(aws, engage=engage)
    body = json.dumps({"email": "b@example.com", "sku": "SKU-M", "market": "1", "locale": "sv-SE"}).encode()

    answer = handler(http_event(body, sign(SECRET, body, int(time.time()) + 120)), lambda_context())

    assert (answer["statusCode"], json.loads(answer["body"])) == (502, {"status": "engage_refused"})


def test_a_configuration_naming_another_engage_secret_fails_at_cold_start(aws: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as raised:
        subscription_handler({**aws, "ENGAGE_API_KEY_SECRET": "another/secret"})

    assert raised.value.field == "engage.api_key_secret"
