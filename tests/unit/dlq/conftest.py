"""moto SQS with the order-status queue pair, and (for queue resolution) the whole stack in moto's CloudFormation."""

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.infrastructure.conftest import PARAMETERS, sam_template, translate
from tests.unit.dlq.support import QueuePair, create_queue_pair

STACK = "bridge-test"


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs")


@pytest.fixture
def pair(sqs: Any) -> QueuePair:
    return create_queue_pair(sqs)


def _placeholder_code() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def lambda_handler(event, context):\n    return None\n")
    return buffer.getvalue()


@pytest.fixture
def deployed_stack(sqs: Any) -> str:
    """The template, translated as ``sam deploy`` would, created in moto (code is a placeholder: never run)."""
    sam = sam_template()
    template = translate(sam)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="sam-artifacts", CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
    code = _placeholder_code()
    for name, resource in sam["Resources"].items():
        if resource["Type"] in {"AWS::Serverless::Function", "AWS::Serverless::LayerVersion"}:
            s3.put_object(Bucket="sam-artifacts", Key=f"{name}.zip", Body=code)
    boto3.client("cloudformation").create_stack(
        StackName=STACK,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in PARAMETERS.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    return STACK
