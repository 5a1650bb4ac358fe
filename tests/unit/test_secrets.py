"""A credential's reference names its store: ``/name`` an SSM SecureString parameter, anything else a Secrets
Manager secret; both are read through Powertools (moto here), and a malformed reference fails at cold start."""

from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws
from pydantic import Field

from engage_bridge.centra.outcomes import CentraRetryableError
from engage_bridge.centra.token import StoredCentraToken
from engage_bridge.environment import FunctionEnvironment, parse_environment
from engage_bridge.errors import ConfigError
from engage_bridge.ingress.http import webhook_secrets
from engage_bridge.secrets import SecretReference, read_secret, store_of

REGION = "eu-north-1"


@pytest.fixture
def stores() -> Iterator[None]:
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    with mock_aws():
        yield
    parameters.clear_caches()  # type: ignore[no-untyped-call]


def test_a_slash_name_is_read_decrypted_from_ssm_and_any_other_from_secrets_manager(stores: None) -> None:
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name="/brand/prod/centra-token", Value="from-ssm", Type="SecureString"
    )
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="brand/prod/centra-token", SecretString="from-secrets-manager"
    )

    assert read_secret("/brand/prod/centra-token") == "from-ssm"
    assert read_secret("brand/prod/centra-token") == "from-secrets-manager"
    assert StoredCentraToken("/brand/prod/centra-token")() == "from-ssm"
    assert (store_of("/brand/prod/centra-token"), store_of("brand/prod/centra-token")) == ("ssm", "secretsmanager")


def test_a_rotating_secret_in_ssm_gives_both_values(stores: None) -> None:
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name="/brand/prod/centra-webhook-secret", Value='{"current": "new", "previous": "old"}', Type="SecureString"
    )

    assert webhook_secrets("/brand/prod/centra-webhook-secret") == ["new", "old"]


def test_a_missing_parameter_is_retryable_and_names_its_store_not_a_value(stores: None) -> None:
    with pytest.raises(CentraRetryableError) as caught:
        StoredCentraToken("/brand/prod/missing")()

    assert "ssm:/brand/prod/missing" in str(caught.value)


class _Environment(FunctionEnvironment):
    token: SecretReference = Field(alias="CENTRA_TOKEN_SECRET", min_length=1)


BASE = {"POWERTOOLS_SERVICE_NAME": "test", "POWERTOOLS_METRICS_NAMESPACE": "Test", "ENVIRONMENT_NAME": "test"}


@pytest.mark.parametrize("reference", ["/brand/prod/centra-token", "brand/prod/centra-token", "token@brand+1"])
def test_either_kind_of_name_passes_at_cold_start(reference: str) -> None:
    assert parse_environment(_Environment, {**BASE, "CENTRA_TOKEN_SECRET": reference}).token == reference


@pytest.mark.parametrize("reference", ["/brand//token", "/brand/token@prod", "/", "brand token", "brand/token!"])
def test_a_malformed_name_fails_at_cold_start_naming_the_variable(reference: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_environment(_Environment, {**BASE, "CENTRA_TOKEN_SECRET": reference})

    assert caught.value.field == "CENTRA_TOKEN_SECRET"
