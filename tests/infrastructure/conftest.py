"""The template as CloudFormation: translated once per test session with aws-sam-translator, offline."""

from pathlib import Path
from typing import Any

import pytest
from samtranslator.yaml_helper import yaml_parse

from engage_bridge_tools.local.stack import resolve_mappings
from engage_bridge_tools.local.stack import translate as translate_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

PARAMETERS = {
    "EnvironmentName": "test",
    "BrandConfigParameterName": "centra-engage-bridge/test/brand-config",
    "EngageApiKeySecretName": "centra-engage-bridge/test/engage-api-key",
    "CentraWebhookSecretName": "centra-engage-bridge/test/centra-webhook-secret",
    "StorefrontProofSecretName": "centra-engage-bridge/test/storefront-proof-secret",
    "EngageWebhookSecretName": "centra-engage-bridge/test/engage-webhook-secret",
    "ProductFeedTokenSecretName": "centra-engage-bridge/test/product-feed-token",
    "CentraGraphqlUrl": "https://brand.centraqa.com/graphql",
    "CentraTokenSecretName": "centra-engage-bridge/test/centra-token",
    # The whole stack: every feature a brand may switch off is on here (test_feature_switches.py: off).
    "StockRelay": "enabled",
    "BackInStockSubscriptions": "enabled",
    "ProductFeed": "enabled",
    "EngagePreferenceWebhooks": "enabled",
}


def sam_template() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse(TEMPLATE.read_text(encoding="utf-8"))
    return parsed


def translate(sam: dict[str, Any]) -> dict[str, Any]:
    """The template as CloudFormation; code locations become ``s3://sam-artifacts/<logical id>.zip``."""
    return translate_template(sam, PARAMETERS)


@pytest.fixture(scope="session")
def cfn() -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
        translated = translate(sam_template())
    resolved: dict[str, Any] = resolve_mappings(translated, translated.get("Mappings", {}))
    return resolved
