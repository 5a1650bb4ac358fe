"""Which queue each function dead-letters to, read from the template as written (SAM) and as deployed."""

from typing import Any

import pytest

from engage_bridge_tools.dlq.wiring import function_failure_queues
from tests.infrastructure.conftest import sam_template, translate

EXPECTED = {
    "contact_upsert": {"ContactUpsertDLQ"},
    "order_status": {"OrderStatusDLQ"},
    "receipt_push": {"ReceiptPushDLQ"},
    "promotion_redemption": {"PromotionRedemptionDLQ"},
    "stock_relay": {"StockRelayDLQ"},
    "router": {"IngestDLQ"},
    "centra_events": {"PollerFailureQueue"},
    "engage_consent": {"ConsentDLQ"},
    "engage_changes": {"EngageChangesFailureQueue"},
    "backfill": {"BackfillDLQ"},
    "reconcile": {"ReconcileFailureQueue"},
    "doctor": {"DoctorFailureQueue"},
    "product_feed": {"ProductFeedFailureQueue"},
}


@pytest.fixture(scope="module")
def processed() -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
        return translate(sam_template())


def test_each_function_is_found_with_its_failure_queue_in_the_sam_template() -> None:
    found = function_failure_queues(sam_template())

    assert {name: set(found[name].dead_letter_queues) for name in EXPECTED} == EXPECTED
    assert found["order_status"].logical_id == "OrderStatusFunction"
    assert "centra_webhook" not in found  # answers Centra synchronously: no queue to fail into


def test_the_processed_template_gives_the_same_wiring(processed: dict[str, Any]) -> None:
    from_sam = function_failure_queues(sam_template())

    assert function_failure_queues(processed) == from_sam


def test_every_dead_letter_queue_in_the_template_can_be_named_by_its_function() -> None:
    resources = sam_template()["Resources"]
    redrive_targets = {
        resource["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for resource in resources.values()
        if resource["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in resource.get("Properties", {})
    }

    reachable = {queue for f in function_failure_queues(sam_template()).values() for queue in f.dead_letter_queues}

    assert redrive_targets <= reachable


def test_every_queue_a_function_fails_into_is_found_whatever_its_name() -> None:
    """Each handler's ``DEAD_LETTER_QUEUE_URL`` and each destination under a failure key, as the template declares
    them: a queue added to the template (ConsentDLQ, a new handler's) is known without touching the dlq tool."""
    resources = sam_template()["Resources"]
    declared: set[str] = set()
    for resource in resources.values():
        variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
        if isinstance(variables.get("DEAD_LETTER_QUEUE_URL"), dict):
            declared.add(variables["DEAD_LETTER_QUEUE_URL"]["Ref"])
    declared |= {
        target
        for resource in resources.values()
        if resource["Type"] in {"AWS::Serverless::Function", "AWS::Lambda::EventInvokeConfig"}
        for target in _failure_destinations(resource.get("Properties", {}))
    }

    reachable = {queue for f in function_failure_queues(sam_template()).values() for queue in f.dead_letter_queues}

    assert "ConsentDLQ" in declared
    assert declared <= reachable
    assert {name: set(f.dead_letter_queues) for name, f in function_failure_queues(sam_template()).items()} == EXPECTED


def _failure_destinations(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"DeadLetterConfig", "OnFailure"}:
                found |= {part[0] for part in _get_atts(value)}
            else:
                found |= _failure_destinations(value)
    elif isinstance(node, list):
        for item in node:
            found |= _failure_destinations(item)
    return found


def _get_atts(node: Any) -> list[list[str]]:
    if isinstance(node, dict):
        atts = [node["Fn::GetAtt"]] if "Fn::GetAtt" in node else []
        return [a if isinstance(a, list) else a.split(".", 1) for a in atts] + [
            att for value in node.values() for att in _get_atts(value)
        ]
    if isinstance(node, list):
        return [att for item in node for att in _get_atts(item)]
    return []


def _queue(redrive_to: str | None = None) -> dict[str, Any]:
    properties = {"RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [redrive_to, "Arn"]}}} if redrive_to else {}
    return {"Type": "AWS::SQS::Queue", "Properties": properties}


def test_a_consumer_without_its_own_dlq_variable_is_wired_through_its_queues_redrive_policy() -> None:
    template = {
        "Resources": {
            "WorkDLQ": _queue(),
            "WorkQueue": _queue(redrive_to="WorkDLQ"),
            "Worker": {"Type": "AWS::Lambda::Function", "Properties": {}},
            "WorkerMapping": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {"FunctionName": {"Ref": "Worker"}, "EventSourceArn": {"Fn::GetAtt": "WorkQueue.Arn"}},
            },
        }
    }

    found = function_failure_queues(template)

    assert set(found) == {"Worker"}  # no service name: known by its logical id
    assert found["Worker"].dead_letter_queues == {"WorkDLQ"}


def test_a_function_failing_into_two_queues_lists_both() -> None:
    template = {
        "Resources": {
            "OneDLQ": _queue(),
            "OtherDLQ": _queue(),
            "Worker": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Environment": {
                        "Variables": {
                            "POWERTOOLS_SERVICE_NAME": "worker-one",
                            "DEAD_LETTER_QUEUE_URL": {"Ref": "OneDLQ"},
                        }
                    },
                    "DeadLetterQueue": {"Type": "SQS", "TargetArn": {"Fn::GetAtt": ["OtherDLQ", "Arn"]}},
                },
            },
        }
    }

    assert function_failure_queues(template)["worker_one"].dead_letter_queues == {"OneDLQ", "OtherDLQ"}
