"""The template as CloudFormation: translated once per test session with aws-sam-translator, offline."""

from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

PARAMETERS = {
    "EnvironmentName": "test",
    "BrandConfigParameterName": "centra-engage-bridge/test/brand-config",
    "EngageApiKeySecretName": "centra-engage-bridge/test/engage-api-key",
    "CentraWebhookSecretName": "centra-engage-bridge/test/centra-webhook-secret",
    "CentraGraphqlUrl": "https://brand.centraqa.com/graphql",
    "CentraTokenSecretName": "centra-engage-bridge/test/centra-token",
}


class _NoManagedPolicies:
    """The translator asks IAM for managed policy ARNs only when a template names one by bare name."""

    def load(self) -> dict[str, str]:
        return {}


def sam_template() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse(TEMPLATE.read_text(encoding="utf-8"))
    return parsed


def translate(sam: dict[str, Any]) -> dict[str, Any]:
    # The translator wants S3 locations for code; the local paths are kept under Metadata for the tests.
    for name, resource in sam["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            resource.setdefault("Metadata", {})["LocalCodeUri"] = properties["CodeUri"]
            properties["CodeUri"] = f"s3://sam-artifacts/{name}.zip"
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            resource.setdefault("Metadata", {})["LocalContentUri"] = properties["ContentUri"]
            properties["ContentUri"] = f"s3://sam-artifacts/{name}.zip"
    translated: dict[str, Any] = transform(sam, PARAMETERS, _NoManagedPolicies())
    return translated


def resolve_mappings(node: Any, mappings: dict[str, Any]) -> Any:
    """Replace ``Fn::FindInMap`` with its value, as CloudFormation does at deploy time."""
    if isinstance(node, dict):
        if set(node) == {"Fn::FindInMap"}:
            top, second, third = node["Fn::FindInMap"]
            return mappings[top][second][third]
        return {key: resolve_mappings(value, mappings) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve_mappings(item, mappings) for item in node]
    return node


@pytest.fixture(scope="session")
def cfn() -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
        translated = translate(sam_template())
    resolved: dict[str, Any] = resolve_mappings(translated, translated.get("Mappings", {}))
    return resolved
