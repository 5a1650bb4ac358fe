"""Provision the stack in moto for a local run: the template's resources, the brand config and the secrets.

Everything a deployed stack expects to find already in the account (the SSM parameter with the brand
configuration, the six credentials) is created here with local values: SSM SecureString parameters, as the docs
advise, except the Engage key, kept where the brand configuration names it (Secrets Manager in the example), so
both stores run. Endpoints come from ``LocalEndpoints`` (the Centra fake and the Engage sandbox by default, or a
Centra QA tenant and an Engage staging tenant).
"""

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import boto3
from aws_lambda_powertools.utilities import parameters

from engage_bridge.secrets import in_parameter_store
from engage_bridge_tools.local.stack import LocalStack, deploy
from engage_bridge_tools.local.template import load_template
from engage_bridge_tools.sandbox.webhooks import new_secret

STACK_NAME = "engage-bridge-local"
ENVIRONMENT = "local"


@dataclass(frozen=True, slots=True)
class LocalEndpoints:
    centra_graphql_url: str
    centra_token: str
    centra_webhook_secret: str
    engage_base_url: str
    engage_api_key: str
    # The key a local storefront signs back-in-stock subscriptions with (docs/back-in-stock.md); local only.
    storefront_proof_secret: str = "local-storefront-proof-secret"  # noqa: S105 - local emulators only
    engage_webhook_secret: str = field(default_factory=new_secret)  # Svix format, generated per run
    # Engage's 32-character key for encrypted preference payloads (isEncrypted: true); None: sent in the clear
    engage_webhook_encryption_key: str | None = None

    def engage_webhook_secret_value(self) -> str:
        """The secret as the stack reads it: the signing secret alone, or JSON with the encryption key."""
        if self.engage_webhook_encryption_key is None:
            return self.engage_webhook_secret
        return json.dumps({"signing": self.engage_webhook_secret, "encryption_key": self.engage_webhook_encryption_key})

    # The product feed URL's path token (docs/back-in-stock.md "The feed URL"), generated per run.
    product_feed_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))


def stack_parameters(config: dict[str, Any], endpoints: LocalEndpoints, requests_per_second: float) -> dict[str, str]:
    known = {
        "EnvironmentName": ENVIRONMENT,
        "BrandConfigParameterName": f"centra-engage-bridge/{ENVIRONMENT}/brand-config",
        "EngageApiKeySecretName": config["engage"]["api_key_secret"],
        "CentraGraphqlUrl": endpoints.centra_graphql_url,
        "CentraTokenSecretName": f"/centra-engage-bridge/{ENVIRONMENT}/centra-token",
        "CentraWebhookSecretName": f"/centra-engage-bridge/{ENVIRONMENT}/centra-webhook-secret",
        "StorefrontProofSecretName": f"/centra-engage-bridge/{ENVIRONMENT}/storefront-proof-secret",
        "EngageWebhookSecretName": f"/centra-engage-bridge/{ENVIRONMENT}/engage-webhook-secret",
        "ProductFeedTokenSecretName": f"/centra-engage-bridge/{ENVIRONMENT}/product-feed-token",
        "EngageRequestsPerSecond": f"{requests_per_second:g}",
        # Locally every feature runs, so the demo and the soak cover them all.
        "StockRelay": "enabled",
        "BackInStockSubscriptions": "enabled",
        "ProductFeed": "enabled",
        "EngagePreferenceWebhooks": "enabled",
    }
    declared = load_template()["Parameters"]
    missing = [name for name, spec in declared.items() if "Default" not in spec and name not in known]
    if missing:
        raise ValueError(f"template parameters without a local value: {', '.join(missing)}")
    return {name: value for name, value in known.items() if name in declared}


def store_secret(reference: str, value: str) -> None:
    """Keep ``value`` where the stack reads ``reference``: an SSM SecureString for ``/name``, else a secret."""
    if in_parameter_store(reference):
        boto3.client("ssm").put_parameter(Name=reference, Value=value, Type="SecureString", Overwrite=True)
    else:
        boto3.client("secretsmanager").create_secret(Name=reference, SecretString=value)


def provision(config: dict[str, Any], endpoints: LocalEndpoints, requests_per_second: float = 40) -> LocalStack:
    """Create the stack and what it reads at cold start in moto (``mock_aws`` must be active).

    The brand configuration is stored with its ``engage.base_url`` pointing at ``endpoints``.
    """
    local_config = {**config, "engage": {**config["engage"], "base_url": endpoints.engage_base_url}}
    values = stack_parameters(local_config, endpoints, requests_per_second)
    stack = deploy(STACK_NAME, values)
    boto3.client("ssm").put_parameter(
        Name=f"/{values['BrandConfigParameterName']}", Value=json.dumps(local_config), Type="String"
    )
    for name, value in (
        (values["EngageApiKeySecretName"], endpoints.engage_api_key),
        (values["CentraTokenSecretName"], endpoints.centra_token),
        (values["CentraWebhookSecretName"], endpoints.centra_webhook_secret),
        (values["StorefrontProofSecretName"], endpoints.storefront_proof_secret),
        (values["EngageWebhookSecretName"], endpoints.engage_webhook_secret_value()),
        (values["ProductFeedTokenSecretName"], endpoints.product_feed_token),
    ):
        store_secret(name, value)
    parameters.clear_caches()  # type: ignore[no-untyped-call]  # a previous run's values must not linger
    return stack
