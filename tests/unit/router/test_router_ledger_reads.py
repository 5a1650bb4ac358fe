"""The router's ledger reads against moto: one eventually consistent BatchGetItem per order decision."""

import json
from typing import Any

from engage_bridge.messages import IngestEvent
from engage_bridge.router import RouterServices, route_ingest_event
from engage_bridge.routing import order_effects
from engage_bridge.state import DynamoStateStore
from tests.unit.router.test_router import CONFIG, SHIPPED, FakeCentra, RecordingQueues


def recorded_calls(client: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every DynamoDB call ``client`` makes from now on: its operation and request body."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        calls.append((model.name, json.loads(params.get("body") or b"{}")))

    client.meta.events.register("before-call.dynamodb", record)
    return calls


def test_an_order_decision_reads_all_its_candidate_effects_in_one_eventually_consistent_batch(
    dynamodb: Any,
) -> None:
    store, queues = DynamoStateStore(dynamodb, "state"), RecordingQueues()
    candidates = order_effects(SHIPPED, CONFIG)
    store.record(candidates[1], "sent", "order_created")  # one effect already out: still skipped
    calls = recorded_calls(dynamodb)

    route_ingest_event(
        RouterServices(CONFIG, FakeCentra({SHIPPED.number: SHIPPED}), store, queues),
        IngestEvent(source="webhook", object_type="shipment", object_id=3101),
    )

    assert len(candidates) >= 2
    assert [operation for operation, _ in calls] == ["BatchGetItem"]
    [request] = calls[0][1]["RequestItems"].values()
    assert len(request["Keys"]) == len(candidates) and request["ConsistentRead"] is False
    routed = {message.ledger_effect for _, message in queues.sent if hasattr(message, "ledger_effect")}
    assert candidates[1] not in routed
    assert set(candidates) - {candidates[1]} <= routed


def test_a_decision_with_no_candidate_effect_reads_no_ledger(dynamodb: Any) -> None:
    data = json.loads(SHIPPED.model_dump_json(by_alias=True))
    data["store"] = {**(data.get("store") or {}), "type": "WHOLESALE"}  # restricted: nothing to ask the ledger
    wholesale = SHIPPED.model_validate(data)
    calls = recorded_calls(dynamodb)

    outcome = route_ingest_event(
        RouterServices(
            CONFIG, FakeCentra({SHIPPED.number: wholesale}), DynamoStateStore(dynamodb, "state"), RecordingQueues()
        ),
        IngestEvent(source="webhook", object_type="order", object_id=SHIPPED.number),
    )

    assert outcome.reason == "nothing_new" and calls == []
