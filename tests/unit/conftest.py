"""Fixtures the unit tests of the state table's stores share: moto's DynamoDB with the stack's state table."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.aws import Clock, create_state_table


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb")
        create_state_table(client)
        yield client


@pytest.fixture
def clock() -> Clock:
    return Clock()
