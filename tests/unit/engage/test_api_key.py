"""The API key comes from Secrets Manager (moto), cached, and never appears in an error."""

from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from engage_bridge.engage import EngageRetryableError, StoredEngageApiKey
from engage_bridge.errors import ConfigError


@pytest.fixture
def secrets() -> Iterator[object]:
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="eu-north-1")
    parameters.clear_caches()  # type: ignore[no-untyped-call]


def test_plain_and_json_secrets_yield_the_key(secrets: object) -> None:
    client = boto3.client("secretsmanager", region_name="eu-north-1")
    client.create_secret(Name="plain", SecretString=" key-plain \n")
    client.create_secret(Name="json", SecretString='{"apikey": "key-json"}')
    assert StoredEngageApiKey("plain")() == "key-plain"
    assert StoredEngageApiKey("json")() == "key-json"


def test_the_key_is_cached_until_max_age(secrets: object) -> None:
    client = boto3.client("secretsmanager", region_name="eu-north-1")
    client.create_secret(Name="rotating", SecretString="first")
    provider = StoredEngageApiKey("rotating", max_age=300)
    assert provider() == "first"
    client.put_secret_value(SecretId="rotating", SecretString="second")
    assert provider() == "first"


def test_a_missing_secret_is_retryable_and_names_only_the_secret(secrets: object) -> None:
    with pytest.raises(EngageRetryableError) as caught:
        StoredEngageApiKey("does-not-exist")()
    assert "does-not-exist" in str(caught.value)


def test_an_empty_secret_is_a_configuration_error_without_its_value(secrets: object) -> None:
    client = boto3.client("secretsmanager", region_name="eu-north-1")
    client.create_secret(Name="odd", SecretString='{"token": "not-the-right-field"}')
    with pytest.raises(ConfigError) as caught:
        StoredEngageApiKey("odd")()
    assert "not-the-right-field" not in str(caught.value)
    assert repr(StoredEngageApiKey("odd")) == "StoredEngageApiKey('odd')"
