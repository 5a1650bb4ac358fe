"""A skip is what was skipped and why: the ledger row it names (backfill's bookkeeping) is not part of it."""

from engage_bridge.routing import Skipped
from engage_bridge.state import Effect


def test_skips_of_the_same_subject_for_the_same_reason_are_equal_with_or_without_a_ledger_row() -> None:
    with_row = Skipped("historical", "order:1001", Effect("order#1001", "order_confirmation"))
    without_row = Skipped("historical", "order:1001")

    assert with_row == without_row
    assert hash(with_row) == hash(without_row)
    assert len({with_row, without_row}) == 1
    assert with_row != Skipped("historical", "order:1002", with_row.effect)
    assert with_row != Skipped("already_queued", "order:1001", with_row.effect)
