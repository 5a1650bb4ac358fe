"""The translated template deploys: moto's CloudFormation creates the stack from the real code artifacts.

moto skips what it cannot model (alarms, the dashboard; see shared/reference/tooling.md) and ignores a
function's layers and the table's TTL, so those are checked on the template itself in
test_template_invariants.py; this test proves the rest of the wiring resolves and creates.
"""

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from engage_bridge_tools.local.stack import resolve_mappings, without_function_url_outputs
from engage_bridge_tools.local.template import functions as template_functions
from tests.infrastructure.conftest import PARAMETERS, sam_template, translate

REPO = Path(__file__).resolve().parents[2]

# moto says so for every resource type it cannot model (alarms, HTTP API, queue policies, invoke configs);
# those are checked on the template itself in test_template_invariants.py.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS.*not supported by moto:UserWarning")


def _zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
    sam = sam_template()
    local_code = {
        name: resource["Properties"].get("CodeUri") or resource["Properties"]["ContentUri"]
        for name, resource in sam["Resources"].items()
        if resource["Type"] in {"AWS::Serverless::Function", "AWS::Serverless::LayerVersion"}
    }
    cfn = translate(sam)
    template = without_function_url_outputs(resolve_mappings(cfn, cfn.get("Mappings", {})))
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="sam-artifacts", CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
        for name, folder in local_code.items():
            s3.put_object(Bucket="sam-artifacts", Key=f"{name}.zip", Body=_zip(REPO / folder))
        cloudformation = boto3.client("cloudformation")
        cloudformation.create_stack(
            StackName="bridge-test",
            TemplateBody=json.dumps(template),
            Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in PARAMETERS.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        yield dict(cloudformation.describe_stacks(StackName="bridge-test")["Stacks"][0])


def _outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}


def test_the_stack_is_created(stack: dict[str, Any]) -> None:
    assert stack["StackStatus"] == "CREATE_COMPLETE"


def test_every_handler_queue_exists_with_its_redrive_policy(stack: dict[str, Any]) -> None:
    sqs = boto3.client("sqs")
    queue_urls = [url for key, url in _outputs(stack).items() if key.endswith("QueueUrl")]

    assert len(queue_urls) == 7  # five handlers, the ingest queue and the backfill queue
    for url in queue_urls:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attributes["RedrivePolicy"])
        assert redrive["maxReceiveCount"] in {5, 8}  # 8 on the queues whose handlers retry on Voyado's cadence
        assert int(attributes["VisibilityTimeout"]) >= 360


def test_the_functions_run_the_packaged_handlers(stack: dict[str, Any]) -> None:
    functions = boto3.client("lambda").list_functions()["Functions"]

    assert {f["Handler"] for f in functions} == {"app.lambda_handler"}
    assert {f["Runtime"] for f in functions} == {"python3.13"}
    assert len(functions) == len(template_functions())


def test_the_state_table_exists_with_the_declared_keys(stack: dict[str, Any]) -> None:
    table = boto3.client("dynamodb").describe_table(TableName=_outputs(stack)["StateTableName"])["Table"]

    assert [(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]] == [("pk", "HASH"), ("sk", "RANGE")]
