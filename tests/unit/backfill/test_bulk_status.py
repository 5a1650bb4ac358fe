"""The bulk status is read failing closed: only a known finished word is done, only a counted row is written."""

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from engage_bridge.backfill.bulk import NO_RESULT, BulkContactWriter, BulkStillRunning, PendingContact, parse_status


@pytest.mark.parametrize("status", ["Completed", "finished", "Done", "Failed"])
def test_a_finished_word_is_done(status: str) -> None:
    assert parse_status({"status": status}).done


@pytest.mark.parametrize("status", ["Processing", "Queued", "", "Validating", "Scheduled", None])
def test_a_running_or_unknown_word_is_not_done(status: str | None) -> None:
    assert not parse_status({"status": status}).done


def test_rows_are_written_only_when_the_counts_account_for_every_row() -> None:
    status = parse_status({"status": "Completed", "updated": 2, "errors": [{"index": 1, "reason": "ContactNotFound"}]})

    assert [status.row_failure(index, 3) for index in range(3)] == [None, "ContactNotFound", None]


@pytest.mark.parametrize(
    "body",
    [
        {"status": "Completed"},  # no counts, no errors: nothing says any row was written
        {"status": "Completed", "updated": 1},  # one of three accounted for
        {"status": "Completed", "updated": "3"},  # not a count
        {"status": "Completed", "failures": [{"row": 0, "code": "X"}]},  # another shape for the error list
    ],
)
def test_a_row_without_a_result_is_not_written(body: dict[str, Any]) -> None:
    status = parse_status(body)

    assert [status.row_failure(index, 3) for index in range(3)] == [NO_RESULT] * 3


class ScriptedBulk:
    """Bulk API answering each status read from a script."""

    def __init__(self, *statuses: dict[str, Any]) -> None:
        self._statuses = list(statuses)
        self.created: list[list[Mapping[str, Any]]] = []

    def bulk_update_contacts(
        self,
        contacts: Sequence[Mapping[str, Any]],
        *,
        contact_type: str | None = None,
        avoid_triggering_export: bool = False,
    ) -> list[str]:
        return ["update-batch"]

    def bulk_create_contacts(
        self, contacts: Sequence[Mapping[str, Any]], *, contact_type: str | None = None
    ) -> list[str]:
        self.created.append(list(contacts))
        return ["create-batch"]

    def bulk_contacts_status(self, batch_id: str) -> dict[str, Any]:
        return self._statuses.pop(0) if len(self._statuses) > 1 else self._statuses[0]


def _contacts(n: int) -> list[PendingContact]:
    return [
        PendingContact(f"customer:{i}", "member", {"email": f"c{i}@example.com"}, {"email": f"c{i}@example.com"})
        for i in range(n)
    ]


def test_an_unknown_status_is_followed_until_time_runs_out_not_taken_as_done() -> None:
    writer = BulkContactWriter(
        ScriptedBulk({"status": "Validating"}), remaining_seconds=lambda: 5.0, sleep=lambda _: None
    )

    with pytest.raises(BulkStillRunning):
        writer.write(_contacts(2))


def test_rows_without_a_result_are_failed_and_never_created_or_updated() -> None:
    api = ScriptedBulk({"status": "Completed"})
    writer = BulkContactWriter(api, remaining_seconds=lambda: 60.0, sleep=lambda _: None)

    results = writer.write(_contacts(2))

    assert [(r.outcome, r.reason) for r in results] == [("failed", NO_RESULT), ("failed", NO_RESULT)]
    assert api.created == []


def test_counted_rows_are_updated_and_reported_missing_ones_created() -> None:
    api = ScriptedBulk(
        {"status": "Completed", "updated": 1, "errors": [{"index": 1, "reason": "ContactNotFound"}]},
        {"status": "Completed", "created": 1, "errors": []},
    )
    writer = BulkContactWriter(api, remaining_seconds=lambda: 60.0, sleep=lambda _: None)

    results = writer.write(_contacts(2))

    assert [r.outcome for r in results] == ["updated", "created"]
    assert [[body["email"] for body in batch] for batch in api.created] == [["c1@example.com"]]


def test_a_row_refused_for_its_phone_is_written_once_more_without_it() -> None:
    api = ScriptedBulk(
        {"status": "Completed", "updated": 0, "errors": [{"index": 0, "reason": "ContactNotFound"}]},
        {"status": "Completed", "created": 0, "errors": [{"index": 0, "reason": "InvalidPhoneNumber"}]},
        {"status": "Completed", "updated": 0, "errors": [{"index": 0, "reason": "ContactNotFound"}]},
        {"status": "Completed", "created": 1, "errors": []},
    )
    writer = BulkContactWriter(api, remaining_seconds=lambda: 60.0, sleep=lambda _: None)
    contact = PendingContact(
        "customer:1", "member", {"email": "c@example.com", "mobilePhone": "+46701234567"}, {"email": "c@example.com"}
    )

    results = writer.write([contact])

    assert [r.outcome for r in results] == ["created"]
    assert [[sorted(body) for body in batch] for batch in api.created] == [[["email", "mobilePhone"]], [["email"]]]
