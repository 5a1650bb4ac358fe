"""The scheduled function, loaded from template.yaml: the window before the schedule's time, report in S3, metric."""

import json
from typing import Any

import boto3
import pytest

from engage_bridge.messages import IngestEvent
from engage_bridge_tools.local.handlers import environment, load_handler
from engage_bridge_tools.local.template import functions, resolve_environment
from tests.integration.reconcile.conftest import CENTRA_SECRET, Pipeline
from tests.lambda_support import emitted_metrics, lambda_context

pytestmark = pytest.mark.integration


def test_the_scheduled_run_writes_the_report_and_counts_drifted_objects(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.ingest([IngestEvent(source="events", object_type="order", object_id=1002, centra_event_id=1)])
    pipeline.run(lose=lambda message: message["business_key"] == "order:1002:email:created:pending")
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="reports", CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
    spec = functions()["reconcile"]
    local = {
        "ENVIRONMENT_NAME": "test",
        "STATE_TABLE_NAME": "state",
        "BRAND_CONFIG_PARAMETER": "/unused",
        "CENTRA_GRAPHQL_URL": pipeline.centra.graphql_url,
        "CENTRA_TOKEN_SECRET": CENTRA_SECRET,
        "REPORT_BUCKET_NAME": "reports",
        "RECONCILE_WINDOW_HOURS": "24",
    }
    with environment({**resolve_environment(spec, local), "BRAND_CONFIG_FILE": str(pipeline.config_file)}):
        handler = load_handler(spec)
    capsys.readouterr()

    # Order 1002 was created 2026-03-06T16:40+01:00: inside the 24 hours ending an hour before 2026-03-07 03:30Z.
    result: dict[str, Any] = handler(
        {"detail-type": "Scheduled Event", "time": "2026-03-07T03:30:00Z"}, lambda_context()
    )

    assert result["report_key"] == "reconcile/2026/03/07/20260306T0230Z--20260307T0230Z.json"
    report = json.loads(s3.get_object(Bucket="reports", Key=result["report_key"])["Body"].read())
    missing = {(o["object"], e["effect"]) for o in report["objects"] for e in o["effects"] if e["state"] == "missing"}
    assert missing == {("order:1002", "email:created:pending")}
    assert result["drifted_objects"] == report["summary"]["drifted_objects"] == 1
    metrics = emitted_metrics(capsys.readouterr().out)
    assert ("DriftedObjects", {"environment": "test"}) in metrics  # the stack's one metric dimension
