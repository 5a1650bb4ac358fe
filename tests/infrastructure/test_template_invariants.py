"""Invariants of the deployed wiring, checked on the translated CloudFormation so no SAM shortcut hides a gap."""

import ast
import json
import re
from pathlib import Path
from typing import Any

from tests.infrastructure.conftest import sam_template

REPO = Path(__file__).resolve().parents[2]
SOURCE_RETENTION_SECONDS = 4 * 24 * 3600
DLQ_RETENTION_SECONDS = 14 * 24 * 3600


def _of_type(cfn: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in cfn["Resources"].items() if r["Type"] == kind}


def _ref(value: Any) -> str:
    """The logical id behind a Ref or GetAtt."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    raise AssertionError(f"expected a Ref or GetAtt, got {value!r}")


def _sqs_event_sources(cfn: dict[str, Any]) -> dict[str, dict[str, Any]]:
    mappings = _of_type(cfn, "AWS::Lambda::EventSourceMapping")
    queues = _of_type(cfn, "AWS::SQS::Queue")
    return {n: m for n, m in mappings.items() if _ref(m["Properties"]["EventSourceArn"]) in queues}


def _dead_letter_queues(cfn: dict[str, Any]) -> set[str]:
    return {
        _ref(q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
        for q in _of_type(cfn, "AWS::SQS::Queue").values()
        if "RedrivePolicy" in q["Properties"]
    }


def _engage_callers(cfn: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Functions that call Engage: the ones given a place in the stack's Engage budget."""
    return {
        name: function
        for name, function in _of_type(cfn, "AWS::Lambda::Function").items()
        if "ENGAGE_PRIORITY" in function["Properties"]["Environment"]["Variables"]
    }


def _reserved_engage_callers(cfn: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Engage callers no queue feeds (the subscription endpoint): reserved concurrency caps them instead."""
    return {
        name: function
        for name, function in _engage_callers(cfn).items()
        if "ReservedConcurrentExecutions" in function["Properties"]
    }


def test_every_engage_caller_is_fed_by_its_own_queue_or_has_reserved_concurrency(cfn: dict[str, Any]) -> None:
    sources = [_ref(m["Properties"]["FunctionName"]) for m in _sqs_event_sources(cfn).values()]
    queues = [_ref(m["Properties"]["EventSourceArn"]) for m in _sqs_event_sources(cfn).values()]
    # The changes feed and the doctor run on their schedules, one run at a time: no queue.
    scheduled = {"EngageChangesFunction", "DoctorFunction"}
    queued = set(_engage_callers(cfn)) - set(_reserved_engage_callers(cfn)) - scheduled

    assert queued <= set(sources)
    assert len(queued) == 7  # the five handlers, the backfill (bulk contacts) and the consent consumer
    assert set(_reserved_engage_callers(cfn)) - scheduled == {"BackInStockSubscriptionFunction"}
    assert len(set(queues)) == len(queues)  # no queue feeds two functions


# The Engage handlers retry on Voyado's cadence (10 s, 30 s, 60 s, 300 s...), so they get more, shorter receives.
CADENCE_QUEUES = {"ContactUpsertQueue", "OrderStatusQueue", "ReceiptPushQueue", "PromotionRedemptionQueue",
                  "StockRelayQueue", "ConsentQueue"}  # fmt: skip


def test_every_source_queue_has_a_dlq_with_five_receives_or_eight_on_the_cadence(cfn: dict[str, Any]) -> None:
    queues = _of_type(cfn, "AWS::SQS::Queue")
    for mapping in _sqs_event_sources(cfn).values():
        name = _ref(mapping["Properties"]["EventSourceArn"])
        queue = queues[name]["Properties"]
        redrive = queue["RedrivePolicy"]

        assert redrive["maxReceiveCount"] == (8 if name in CADENCE_QUEUES else 5)
        dlq = queues[_ref(redrive["deadLetterTargetArn"])]["Properties"]
        assert dlq["MessageRetentionPeriod"] == DLQ_RETENTION_SECONDS
        # A message's expiry counts from its first enqueue, so the DLQ must outlive the source queue.
        assert queue["MessageRetentionPeriod"] < dlq["MessageRetentionPeriod"]


def test_every_queue_is_encrypted(cfn: dict[str, Any]) -> None:
    for name, queue in _of_type(cfn, "AWS::SQS::Queue").items():
        assert queue["Properties"].get("SqsManagedSseEnabled") is True, name


def test_every_dlq_has_a_depth_alarm_at_one_message(cfn: dict[str, Any]) -> None:
    alarmed = {
        _ref(alarm["Properties"]["Dimensions"][0]["Value"])
        for alarm in _of_type(cfn, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
        and alarm["Properties"]["Threshold"] == 1
        and alarm["Properties"]["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        and alarm["Properties"]["AlarmActions"]
    }

    assert _dead_letter_queues(cfn) <= alarmed


def _depth_alarmed_queues(cfn: dict[str, Any]) -> set[str]:
    return {
        _ref(alarm["Properties"]["Dimensions"][0]["Value"])
        for alarm in _of_type(cfn, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
        and alarm["Properties"]["AlarmActions"]
    }


def test_every_functions_failures_reach_an_alarm_once(cfn: dict[str, Any]) -> None:
    """A queue consumer's failures end in its DLQ and a scheduled run's in its failure queue, each with a depth
    alarm, so an Errors alarm on them would only say it twice (and cost $0.10 a month); the others have one."""
    errors_alarmed = {
        _ref(alarm["Properties"]["Dimensions"][0]["Value"])
        for alarm in _of_type(cfn, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["MetricName"] == "Errors" and alarm["Properties"]["AlarmActions"]
    }
    queues = _of_type(cfn, "AWS::SQS::Queue")
    failures_land_in = {
        _ref(m["Properties"]["FunctionName"]): _ref(
            queues[_ref(m["Properties"]["EventSourceArn"])]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]
        )
        for m in _sqs_event_sources(cfn).values()
    } | {
        _ref(c["Properties"]["FunctionName"]): _ref(c["Properties"]["DestinationConfig"]["OnFailure"]["Destination"])
        for c in _of_type(cfn, "AWS::Lambda::EventInvokeConfig").values()
    }
    alarmed_queues = _depth_alarmed_queues(cfn)

    for name in _of_type(cfn, "AWS::Lambda::Function"):
        if failures_land_in.get(name) in alarmed_queues:
            assert name not in errors_alarmed, name
        else:
            assert name in errors_alarmed, name


def test_every_sqs_event_reports_batch_item_failures_and_caps_concurrency(cfn: dict[str, Any]) -> None:
    for name, mapping in _sqs_event_sources(cfn).items():
        properties = mapping["Properties"]
        assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"], name
        assert properties["ScalingConfig"]["MaximumConcurrency"] >= 2, name


# The order Engage requests go in when they compete for the budget (engage_bridge.engage.budget.Priority).
EXPECTED_PRIORITY = {
    "OrderStatusFunction": "transactional",
    "BackInStockSubscriptionFunction": "transactional",
    "ContactUpsertFunction": "customer",
    "ReceiptPushFunction": "customer",
    "PromotionRedemptionFunction": "customer",
    "EngageConsentFunction": "customer",
    "EngageChangesFunction": "customer",
    "StockRelayFunction": "stock",
    "BackfillFunction": "backfill",
    "DoctorFunction": "backfill",  # a few GETs a day, last in line
}


def test_every_engage_caller_takes_the_one_budget_at_its_priority(cfn: dict[str, Any]) -> None:
    callers = _engage_callers(cfn)

    assert {name: f["Properties"]["Environment"]["Variables"]["ENGAGE_PRIORITY"] for name, f in callers.items()} == (
        EXPECTED_PRIORITY
    )
    for name, function in callers.items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["ENGAGE_REQUESTS_PER_SECOND"] == {"Ref": "EngageRequestsPerSecond"}, name
        assert variables["STATE_TABLE_NAME"] == {"Ref": "StateTable"}, name
        assert not any(variable.startswith("ENGAGE_TOTAL") for variable in variables), name


def test_the_budget_parameter_admits_only_budgets_the_slot_grid_can_share(cfn: dict[str, Any]) -> None:
    parameter = cfn["Parameters"]["EngageRequestsPerSecond"]

    assert parameter["MinValue"] == 2  # BudgetGrid.for_budget refuses less
    assert parameter["MaxValue"] == 50  # Voyado: stay under 50 a second


def test_every_consumer_knows_its_queues_last_receive(cfn: dict[str, Any]) -> None:
    queues = _of_type(cfn, "AWS::SQS::Queue")
    functions = _of_type(cfn, "AWS::Lambda::Function")
    told = 0
    for mapping in _sqs_event_sources(cfn).values():
        variables = functions[_ref(mapping["Properties"]["FunctionName"])]["Properties"]["Environment"]["Variables"]
        if "DEAD_LETTER_QUEUE_URL" not in variables:  # not an SqsConsumer (the backfill's commands)
            continue
        redrive = queues[_ref(mapping["Properties"]["EventSourceArn"])]["Properties"]["RedrivePolicy"]

        assert int(variables["MAX_RECEIVE_COUNT"]) == redrive["maxReceiveCount"]
        told += 1
    assert told == 7  # five handlers, the consent consumer, the router


def test_visibility_timeout_is_at_least_six_times_the_function_timeout(cfn: dict[str, Any]) -> None:
    queues = _of_type(cfn, "AWS::SQS::Queue")
    functions = _of_type(cfn, "AWS::Lambda::Function")
    for mapping in _sqs_event_sources(cfn).values():
        visibility = queues[_ref(mapping["Properties"]["EventSourceArn"])]["Properties"]["VisibilityTimeout"]
        timeout = functions[_ref(mapping["Properties"]["FunctionName"])]["Properties"]["Timeout"]

        assert visibility >= 6 * timeout


def test_functions_are_explicit_traced_arm64_python313_without_function_dlq(cfn: dict[str, Any]) -> None:
    for name, function in _of_type(cfn, "AWS::Lambda::Function").items():
        properties = function["Properties"]
        assert properties["Runtime"] == "python3.13", name
        assert properties["Architectures"] == ["arm64"], name
        assert properties["MemorySize"] and properties["Timeout"], name
        assert properties["TracingConfig"] == {"Mode": "Active"}, name
        assert properties["Layers"], name
        # A function-level DLQ catches only asynchronous invocations; on SQS it would blur what a DLQ means.
        assert "DeadLetterConfig" not in properties, name


def _functions_a_caller_waits_on(cfn: dict[str, Any]) -> set[str]:
    """Functions behind a function URL (the webhooks) or an HTTP API route (the storefront endpoints)."""
    urls = {_ref(url["Properties"]["TargetFunctionArn"]) for url in _of_type(cfn, "AWS::Lambda::Url").values()}
    routes = {
        _ref(permission["Properties"]["FunctionName"])
        for permission in _of_type(cfn, "AWS::Lambda::Permission").values()
        if permission["Properties"]["Principal"] == "apigateway.amazonaws.com"
    }
    return urls | routes


def test_endpoints_keep_256_mb_and_the_rest_take_the_memory_parameter(cfn: dict[str, Any]) -> None:
    endpoints = _functions_a_caller_waits_on(cfn)
    assert endpoints, "no webhook or storefront endpoint found"
    for name, function in _of_type(cfn, "AWS::Lambda::Function").items():
        memory = function["Properties"]["MemorySize"]
        if name in endpoints:
            # A caller waits on their cold start, which runs at the memory's CPU share.
            assert memory == 256, name
        else:
            assert memory in ({"Ref": "FunctionMemorySize"}, 512), name
    parameter = cfn["Parameters"]["FunctionMemorySize"]
    # Lambda's smallest size is 128 MB; the bench estimates under 90 MB used (docs/performance.md, memory).
    assert parameter["MinValue"] == 128 and parameter["MinValue"] < parameter["Default"] <= parameter["MaxValue"]


def test_every_function_has_a_log_group_and_every_log_group_a_retention(cfn: dict[str, Any]) -> None:
    groups = _of_type(cfn, "AWS::Logs::LogGroup")
    named = {
        group["Properties"]["LogGroupName"]["Fn::Sub"]: group["Properties"]
        for group in groups.values()
        if "LogGroupName" in group["Properties"]
    }
    assert all(group["Properties"]["RetentionInDays"] for group in groups.values())
    for name in _of_type(cfn, "AWS::Lambda::Function"):
        group = named[f"/aws/lambda/${{{name}}}"]
        assert group["RetentionInDays"], name


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement.get("Action", [])
    return [action] if isinstance(action, str) else list(action)


def test_no_iam_statement_grants_a_wildcard_action(cfn: dict[str, Any]) -> None:
    for name, role in _of_type(cfn, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                for action in _actions(statement):
                    assert action != "*" and not action.endswith(":*"), f"{name}: {action}"


def test_state_table_is_on_demand_encrypted_recoverable_with_ttl(cfn: dict[str, Any]) -> None:
    (table,) = _of_type(cfn, "AWS::DynamoDB::Table").values()
    properties = table["Properties"]

    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


def test_layer_is_built_for_the_runtime(cfn: dict[str, Any]) -> None:
    (layer,) = _of_type(cfn, "AWS::Lambda::LayerVersion").values()

    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


def _top_level_names(source: str) -> set[str]:
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return names


def test_every_handler_resolves_and_has_a_sample_event() -> None:
    for name, resource in sam_template()["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        code = REPO / resource["Properties"]["CodeUri"]
        module, attribute = resource["Properties"]["Handler"].rsplit(".", 1)
        kinds = {event["Type"] for event in resource["Properties"].get("Events", {}).values()}
        if "FunctionUrlConfig" in resource["Properties"]:
            kinds.add("FunctionUrl")  # the same payload format 2.0 as the HTTP API's

        assert attribute in _top_level_names((code / f"{module}.py").read_text(encoding="utf-8")), name
        event = json.loads((REPO / "events" / f"{code.name}.json").read_text(encoding="utf-8"))
        if "SQS" in kinds:
            assert event["Records"] and all(r["eventSource"] == "aws:sqs" for r in event["Records"]), name
        if kinds & {"HttpApi", "FunctionUrl"}:
            assert event["version"] == "2.0" and event["requestContext"]["http"]["method"], name
        if "Schedule" in kinds:
            assert event["detail-type"] == "Scheduled Event", name


def _anchor(heading: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-")


def test_every_alarm_points_at_a_runbook_entry(cfn: dict[str, Any]) -> None:
    runbook = (REPO / "docs/runbook.md").read_text(encoding="utf-8")
    anchors = {_anchor(line.lstrip("#").strip()) for line in runbook.splitlines() if line.startswith("#")}
    for name, alarm in _of_type(cfn, "AWS::CloudWatch::Alarm").items():
        link = re.search(r"docs/runbook\.md#([a-z0-9-]+)", alarm["Properties"]["AlarmDescription"])

        assert link is not None, name
        assert link.group(1) in anchors, name
        assert name in runbook, f"{name} is not listed in docs/runbook.md"


def test_each_cadence_handler_may_change_visibility_on_its_own_queue_only(cfn: dict[str, Any]) -> None:
    roles = _of_type(cfn, "AWS::IAM::Role")
    for mapping in _sqs_event_sources(cfn).values():
        queue = _ref(mapping["Properties"]["EventSourceArn"])
        function = cfn["Resources"][_ref(mapping["Properties"]["FunctionName"])]
        role = roles[_ref(function["Properties"]["Role"])]
        resources = [
            statement["Resource"]
            for policy in role["Properties"].get("Policies", [])
            for statement in policy["PolicyDocument"]["Statement"]
            if "sqs:ChangeMessageVisibility" in _actions(statement)
        ]
        variables = function["Properties"]["Environment"]["Variables"]

        if queue in CADENCE_QUEUES:
            assert resources == [{"Fn::GetAtt": [queue, "Arn"]}], queue
            assert variables["SOURCE_QUEUE_URL"] == {"Ref": queue}
        else:
            assert resources == [], queue


def test_every_alarm_on_the_bridges_own_metrics_watches_the_one_dimension_they_carry(cfn: dict[str, Any]) -> None:
    # observability.bind: each metric has one dimension, environment; an alarm naming another (service) sees no data.
    own = {
        name: alarm["Properties"]
        for name, alarm in _of_type(cfn, "AWS::CloudWatch::Alarm").items()
        if alarm["Properties"]["Namespace"] == "CentraEngageBridge"
    }

    assert own
    for name, alarm in own.items():
        assert alarm["Dimensions"] == [{"Name": "environment", "Value": {"Ref": "EnvironmentName"}}], name


CREDENTIALS = ("EngageApiKey", "CentraToken", "CentraWebhook", "StorefrontProof", "EngageWebhook", "ProductFeedToken")


def test_each_credential_is_read_from_the_store_its_name_points_at_and_nothing_more(cfn: dict[str, Any]) -> None:
    for credential in CREDENTIALS:
        parameter = f"{credential}SecretName"
        condition = cfn["Conditions"][f"{credential}InParameterStore"]
        # A name starting with / splits into an empty first part: an SSM parameter.
        assert condition == {"Fn::Equals": [{"Fn::Select": [0, {"Fn::Split": ["/", {"Ref": parameter}]}]}, ""]}
        [statement] = cfn["Resources"][f"{credential}ReadPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        name, in_ssm, in_secrets_manager = statement["Fn::If"]

        assert name == f"{credential}InParameterStore"
        assert in_ssm["Action"] == "ssm:GetParameter"
        assert in_ssm["Resource"]["Fn::Sub"].endswith(f":parameter${{{parameter}}}")
        assert in_secrets_manager["Action"] == "secretsmanager:GetSecretValue"
        assert in_secrets_manager["Resource"]["Fn::Sub"].endswith(f":secret:${{{parameter}}}-??????")


def test_a_function_may_read_a_credential_only_if_it_is_given_its_name(cfn: dict[str, Any]) -> None:
    variables_of = {
        "EngageApiKey": "ENGAGE_API_KEY_SECRET",
        "CentraToken": "CENTRA_TOKEN_SECRET",
        "CentraWebhook": "CENTRA_WEBHOOK_SECRET",
        "StorefrontProof": "STOREFRONT_PROOF_SECRET",
        "EngageWebhook": "ENGAGE_WEBHOOK_SECRET",
        "ProductFeedToken": "PRODUCT_FEED_TOKEN_SECRET",
    }
    roles = _of_type(cfn, "AWS::IAM::Role")
    for name, function in _of_type(cfn, "AWS::Lambda::Function").items():
        variables = function["Properties"]["Environment"]["Variables"]
        role = roles[_ref(function["Properties"]["Role"])]["Properties"]
        granted = {arn["Ref"] for arn in role.get("ManagedPolicyArns", []) if isinstance(arn, dict) and "Ref" in arn}
        # A grant that depends on a feature attaches itself to the role (its Roles), under the feature's Condition.
        role_ref = {"Ref": _ref(function["Properties"]["Role"])}
        granted |= {
            policy_name
            for policy_name, policy in _of_type(cfn, "AWS::IAM::ManagedPolicy").items()
            if role_ref in policy["Properties"].get("Roles", []) and policy_name.endswith("ReadPolicy")
        }
        given = {f"{credential}ReadPolicy" for credential, variable in variables_of.items() if variable in variables}

        assert granted == given, name


def _sqs_batching(template: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Batch size and batching window of each function's SQS event source, as the template declares them."""
    found = {}
    for name, resource in template["Resources"].items():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if resource["Type"] == "AWS::Serverless::Function" and event["Type"] == "SQS":
                properties = event["Properties"]
                found[name] = (properties["BatchSize"], properties.get("MaximumBatchingWindowInSeconds", 0))
    return found


# The hops of the webhook path whose batching windows a customer's order confirmation waits in: the router, the
# contact and the e-mail. Issue 18 goal 5 asks for a p99 of at most 10 s at half the Engage budget: with 2 s of
# windows (router and contact 1 s each) the latency bench measured 4.7 s; with a third second (the e-mail's) and
# batches of 10, 10.0 s and 11.3 s, a batch's e-mails going one after another in one container; with batches of 3,
# 6.7 s; with batches of 5, 2-3 s later than with 3 side by side; 4 is the largest kept (docs/decision-log.md,
# 2026-12-07).
WEBHOOK_PATH = ("RouterFunction", "ContactUpsertFunction", "OrderStatusFunction")
WEBHOOK_PATH_WINDOWS_SECONDS = 3
# With a window, the e-mail hop's batch stays small: its last e-mail waits for the ones before it.
EMAIL_BATCH_WITH_A_WINDOW = 4


def test_the_webhook_paths_batching_windows_leave_room_for_its_latency_goal() -> None:
    windows = {name: window for name, (_, window) in _sqs_batching(sam_template()).items()}

    assert set(WEBHOOK_PATH) <= set(windows)
    assert sum(windows[name] for name in WEBHOOK_PATH) <= WEBHOOK_PATH_WINDOWS_SECONDS
    batch_size, window = _sqs_batching(sam_template())["OrderStatusFunction"]
    assert window == 0 or batch_size <= EMAIL_BATCH_WITH_A_WINDOW


def test_every_batching_window_is_one_lambda_accepts_for_its_batch_size() -> None:
    # Lambda: a batching window of at most 300 s, and of at least 1 s for a standard queue's batch above 10.
    for name, (batch_size, window) in _sqs_batching(sam_template()).items():
        assert 0 <= window <= 300, name
        assert batch_size <= 10 or window >= 1, name
