"""Centra's events system as the fake models it: listeners, fetch, confirm, and shared integration queues."""

from typing import Any

import pytest

from engage_bridge_tools.centra_fake.fake import CentraFake
from tests.unit.centra.fake_support import SteppingClock, data

SET = """mutation($input: [EventListenerSetInput!]!) {
  setEventListeners(input: $input) {
    eventListeners { objectType changeTypes } userErrors { message } userWarnings { message }
  }
}"""
UNSET = """mutation($input: [EventListenerUnsetInput!]!) {
  unsetEventListeners(input: $input) { eventListeners { objectType changeTypes } }
}"""
FETCH = """query($where: EventFilter, $limit: Int) {
  events(where: $where, limit: $limit) { id objectType changeType objectReference createdAt store { id } market { id } }
}"""
CONFIRM = """mutation($ids: [Int!]!) {
  confirmEvents(input: {eventsIds: $ids}) { events { id } userErrors { message } userWarnings { message path } }
}"""


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def fake(clock: SteppingClock) -> CentraFake:
    return CentraFake.from_file(clock=clock)


def _listen(fake: CentraFake, *listeners: dict[str, Any], integration: str = "engage-bridge") -> dict[str, Any]:
    response = data(fake, SET, {"input": list(listeners)}, integration_name=integration)
    result: dict[str, Any] = response["setEventListeners"]
    return result


def _fetch(fake: CentraFake, integration: str = "engage-bridge", **variables: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = data(fake, FETCH, variables, integration_name=integration)["events"]
    return events


def _confirm(fake: CentraFake, ids: list[int], integration: str = "engage-bridge") -> dict[str, Any]:
    result: dict[str, Any] = data(fake, CONFIRM, {"ids": ids}, integration_name=integration)["confirmEvents"]
    return result


def _kinds(events: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [(event["objectType"], event["changeType"], event["objectReference"]) for event in events]


def test_nothing_is_queued_without_listeners(fake: CentraFake) -> None:
    fake.ship_order(1002)

    assert _fetch(fake) == []


def test_shipping_an_order_emits_centras_events_in_order(fake: CentraFake, clock: SteppingClock) -> None:
    _listen(fake, {"objectType": "Order"}, {"objectType": "Shipment"})

    shipment = fake.ship_order(1002)

    events = _fetch(fake)
    assert _kinds(events) == [
        ("Shipment", "CREATED", shipment["id"]),
        ("Order", "UPDATED", 1002),  # objectReference is the order *number*
        ("Shipment", "COMPLETED", shipment["id"]),
        ("Order", "COMPLETED", 1002),
    ]
    assert events[1]["store"] == {"id": 1} and events[1]["market"] == {"id": 4}
    assert events[0]["createdAt"] == clock.now.isoformat(timespec="seconds")


def test_listeners_filter_by_change_type_and_calls_are_additive(fake: CentraFake) -> None:
    _listen(fake, {"objectType": "Order", "changeTypes": ["COMPLETED"]})
    result = _listen(fake, {"objectType": "Order", "changeTypes": ["CREATED"]})

    fake.ship_order(1002)

    assert result["eventListeners"] == [{"objectType": "Order", "changeTypes": ["COMPLETED", "CREATED"]}]
    assert result["userErrors"] == [] and result["userWarnings"] == []
    assert _kinds(_fetch(fake)) == [("Order", "COMPLETED", 1002)]


def test_unconfirmed_events_come_back_until_confirmed(fake: CentraFake) -> None:
    _listen(fake, {"objectType": "Order"})
    fake.cancel_order(1002)
    fake.cancel_order(1005)

    first = _fetch(fake)
    again = _fetch(fake)
    confirmed = _confirm(fake, [first[0]["id"]])

    assert again == first
    assert [event["id"] for event in confirmed["events"]] == [first[0]["id"]]
    assert _fetch(fake) == first[1:]


def test_fetch_returns_the_oldest_first_up_to_the_limit(fake: CentraFake) -> None:
    _listen(fake, {"objectType": "Customer"})
    for customer_id in (1, 2, 3):
        fake.update_customer(customer_id, {"lastName": "Changed"})

    assert [event["objectReference"] for event in _fetch(fake, limit=2)] == [1, 2]


def test_events_filter_by_type_and_market(fake: CentraFake) -> None:
    _listen(fake, {"objectType": "Order"}, {"objectType": "StockChange"})
    fake.cancel_order(1002)  # market 4
    fake.cancel_order(1005)  # market 1
    fake.set_stock("BAG100-ONE", 104, 5)

    by_market = _fetch(fake, where={"marketId": [4], "objectType": ["Order"]})

    assert _kinds(by_market) == [("Order", "UPDATED", 1002)]


def test_confirming_unknown_or_already_confirmed_ids_warns(fake: CentraFake) -> None:
    _listen(fake, {"objectType": "Order"})
    fake.cancel_order(1002)
    event_id = _fetch(fake)[0]["id"]
    _confirm(fake, [event_id])

    result = _confirm(fake, [event_id, 999])

    assert result["events"] == [] and result["userErrors"] == []
    assert [warning["message"] for warning in result["userWarnings"]] == [
        f"Event {event_id} not found or already confirmed",
        "Event 999 not found or already confirmed",
    ]


def test_tokens_sharing_an_integration_name_share_one_queue(clock: SteppingClock) -> None:
    fake = CentraFake.from_file(
        clock=clock, tokens={"brand-x": "voyado-x", "brand-x-2": "voyado-x", "brand-y": "voyado-y"}
    )
    _listen(fake, {"objectType": "Order"}, integration="voyado-x")
    _listen(fake, {"objectType": "Order"}, integration="voyado-y")
    fake.cancel_order(1002)

    shared = _fetch(fake, integration="voyado-x")
    _confirm(fake, [shared[0]["id"]], integration="voyado-x")

    assert _fetch(fake, integration="voyado-x") == []  # gone for every token of that integration
    assert _kinds(_fetch(fake, integration="voyado-y")) == [("Order", "UPDATED", 1002)]  # other queue untouched


def test_an_integration_cannot_confirm_another_ones_events(fake: CentraFake) -> None:
    _listen(fake, {"objectType": "Order"}, integration="other")
    fake.cancel_order(1002)
    event_id = _fetch(fake, integration="other")[0]["id"]

    result = _confirm(fake, [event_id])

    assert result["userWarnings"] and len(_fetch(fake, integration="other")) == 1


def test_unset_listeners_removes_the_type_and_its_queued_events(fake: CentraFake) -> None:
    _listen(fake, {"objectType": "Order"}, {"objectType": "Customer"})
    fake.cancel_order(1002)
    fake.update_customer(1, {"lastName": "Changed"})

    result = data(fake, UNSET, {"input": [{"objectType": "Order"}]})["unsetEventListeners"]
    fake.cancel_order(1005)

    assert [listener["objectType"] for listener in result["eventListeners"]] == ["Customer"]
    assert _kinds(_fetch(fake)) == [("Customer", "UPDATED", 1)]


def test_unset_of_some_change_types_keeps_the_rest(fake: CentraFake) -> None:
    _listen(fake, {"objectType": "Order", "changeTypes": ["UPDATED", "COMPLETED"]})
    fake.create_shipment(1002)

    data(fake, UNSET, {"input": [{"objectType": "Order", "changeTypes": ["UPDATED"]}]})

    listeners = data(fake, "{ eventListeners { integrationName objectType changeTypes } }")["eventListeners"]
    assert listeners == [{"integrationName": "engage-bridge", "objectType": "Order", "changeTypes": ["COMPLETED"]}]
    assert _fetch(fake) == []


def test_the_event_object_is_the_current_state(fake: CentraFake) -> None:
    _listen(fake, {"objectType": "Order"})
    shipment = fake.create_shipment(1002)
    event_id = _fetch(fake)[0]["id"]  # queued while the order was PROCESSING
    fake.complete_shipment(shipment["id"])

    objects = data(fake, "{ events(limit: 1) { id object { ... on Order { status } } } }")["events"]

    assert objects == [{"id": event_id, "object": {"status": "SHIPPED"}}]


@pytest.mark.parametrize("limit", [0, 201])
def test_the_limit_is_checked(fake: CentraFake, limit: int) -> None:
    response = fake.execute("query($limit: Int) { events(limit: $limit) { id } }", {"limit": limit})

    assert response["errors"][0]["message"] == "Limit must be in range 1 - 200"


def test_an_unknown_object_type_fails_validation(fake: CentraFake) -> None:
    response = fake.execute("mutation { setEventListeners(input: [{objectType: Orders}]) { userErrors { message } } }")

    assert "Orders" in response["errors"][0]["message"]
