"""Batched ledger reads against moto, and the Engage spot-check turning an unknown contact into drift."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from engage_bridge.reconcile.expected import ContactProbe, ObjectRef
from engage_bridge.reconcile.report import DriftReport, EffectStatus, ObjectReport, Window, summarise
from engage_bridge.reconcile.spot_check import spot_check
from engage_bridge.state import DynamoStateStore, Effect
from tests.aws import create_state_table


@pytest.fixture
def store() -> Iterator[DynamoStateStore]:
    with mock_aws():
        client: Any = boto3.client("dynamodb")
        create_state_table(client)
        yield DynamoStateStore(client, "state")


def test_ledger_entries_reads_past_one_batch_and_leaves_out_what_is_absent(store: DynamoStateStore) -> None:
    recorded = [Effect(f"order#{n}", "email:created:success") for n in range(250)]
    for effect in recorded:
        store.record(effect, "sent", "order_created")
    absent = [Effect(f"order#{n}", "email:cancelled") for n in range(30)]

    entries = store.ledger_entries([*recorded, *absent])

    assert set(entries) == set(recorded)
    assert {(e.state, e.reason) for e in entries.values()} == {("sent", "order_created")}


class Engage:
    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.asked: list[str] = []

    def find_contact_id(self, email: str, contact_type: str | None = None) -> str | None:
        self.asked.append(email)
        return "id" if email in self.known else None


def report_of(customers: int) -> tuple[DriftReport, list[ContactProbe]]:
    objects = [
        ObjectReport(
            object=f"customer:{n}",
            kind="customer",
            id=str(n),
            effects=[EffectStatus(effect="contact", state="sent", reason="member_created", decided_by="ledger")],
        )
        for n in range(customers)
    ]
    probes = [
        ContactProbe(ObjectRef("customer", str(n), None), f"c{n}@example.com", "member") for n in range(customers)
    ]
    window = Window(since=datetime(2026, 11, 22, tzinfo=UTC), until=datetime(2026, 11, 23, tzinfo=UTC))
    report = DriftReport(generated_at=window.until, window=window, summary=summarise(objects, 0), objects=objects)
    return report, probes


def test_a_sent_contact_engage_does_not_know_becomes_missing_drift() -> None:
    report, probes = report_of(3)
    engage = Engage(known={"c0@example.com", "c2@example.com"})

    checked = spot_check(report, probes, engage, sample=3)

    assert checked.spot_check is not None
    assert (checked.spot_check.checked, checked.spot_check.found, checked.spot_check.not_found) == (
        3,
        2,
        ["customer:1"],
    )
    assert [o.object for o in checked.drifted] == ["customer:1"]
    assert checked.summary.drifted_objects == 1
    assert checked.drifted[0].effects[0].decided_by == "engage"


def test_the_sample_is_bounded_and_the_same_for_the_same_window() -> None:
    report, probes = report_of(10)
    first, second = Engage(set()), Engage(set())

    spot_check(report, probes, first, sample=4)
    spot_check(report, probes, second, sample=4)

    assert len(first.asked) == 4
    assert first.asked == second.asked
