"""The product feed in the template: least privilege for both functions, a private bucket, the route, the
schedules with their failure queue, and no feed token in the API's access log."""

from typing import Any

from engage_bridge.product_feed.entry import FeedEnvironment, ServeEnvironment
from tests.infrastructure.conftest import sam_template
from tests.infrastructure.test_back_in_stock_resources import _actions, _credentials


def test_the_feed_run_may_write_feeds_the_sku_index_and_the_marker_and_read_centra_only(cfn: dict[str, Any]) -> None:
    allowed = _actions(cfn["Resources"]["ProductFeedFunctionRole"])
    for action in ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:DescribeParameters"):
        allowed.pop(action)
    failure_queue = str(allowed.pop("sqs:SendMessage"))  # the on-failure destination SAM grants
    writes = {action: str(resources) for action, resources in allowed.items()}

    assert set(writes) == {"dynamodb:BatchWriteItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "s3:PutObject"}
    assert "/product-feed/*" in writes["s3:PutObject"] and "ProductFeedBucket" in writes["s3:PutObject"]
    assert all("StateTable" in writes[a] for a in writes if a.startswith("dynamodb:"))
    assert _credentials(cfn["Resources"]["ProductFeedFunctionRole"]) == {"CentraTokenReadPolicy"}
    assert "ProductFeedFailureQueue" in failure_queue


def test_the_route_may_read_feeds_and_its_token_and_nothing_else(cfn: dict[str, Any]) -> None:
    allowed = _actions(cfn["Resources"]["ProductFeedServeFunctionRole"])

    assert set(allowed) == {"s3:GetObject"}
    assert "/product-feed/*" in str(allowed["s3:GetObject"])
    assert _credentials(cfn["Resources"]["ProductFeedServeFunctionRole"]) == {"ProductFeedTokenReadPolicy"}


def test_the_bucket_is_private_encrypted_tls_only_and_expires_dropped_feeds(cfn: dict[str, Any]) -> None:
    bucket = cfn["Resources"]["ProductFeedBucket"]["Properties"]
    policy = cfn["Resources"]["ProductFeedBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]

    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert bucket["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 30
    assert [s["Condition"] for s in policy if s["Effect"] == "Deny"] == [{"Bool": {"aws:SecureTransport": "false"}}]
    assert not [s for s in policy if s["Effect"] == "Allow"]  # nobody is let in by the bucket itself


def test_feeds_are_served_at_a_token_route_and_the_access_log_never_holds_the_path(cfn: dict[str, Any]) -> None:
    sam = sam_template()["Resources"]
    [event] = sam["ProductFeedServeFunction"]["Properties"]["Events"].values()
    log_format = sam["WebhookApi"]["Properties"]["AccessLogSettings"]["Format"]

    assert event["Properties"]["Method"] == "GET" and event["Properties"]["Path"] == "/feeds/{token}/{file}"
    assert "$context.path" not in log_format and "$context.routeKey" in log_format


def test_two_schedules_one_failure_queue_and_every_variable_the_entries_read(cfn: dict[str, Any]) -> None:
    sam = sam_template()["Resources"]["ProductFeedFunction"]["Properties"]
    modes = {event["Properties"]["Input"] for event in sam["Events"].values()}
    queues = {str(event["Properties"]["DeadLetterConfig"]["Arn"]) for event in sam["Events"].values()}

    assert modes == {'{"mode": "full"}', '{"mode": "changes"}'}
    assert queues == {str(sam["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"])}
    for function, model in (("ProductFeedFunction", FeedEnvironment), ("ProductFeedServeFunction", ServeEnvironment)):
        variables = set(cfn["Resources"][function]["Properties"]["Environment"]["Variables"])
        assert {field.alias for field in model.model_fields.values()} <= variables, function
