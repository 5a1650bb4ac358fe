"""The operator's Engage requests lease from the stack's budget: the same counters the functions write (moto)."""

import io
from typing import Any

import pytest
from botocore.exceptions import ClientError

from engage_bridge.engage.budget import BUDGET_PK, BudgetGrid, BudgetTable, Priority, SharedBudget
from engage_bridge_tools.command_line import OperatorError
from engage_bridge_tools.engage_budget import (
    OPERATOR_MAX_WAIT_S,
    OutsideBudget,
    is_loopback,
    lease_from,
    operator_pace,
)
from tests.aws import Clock

GRID = BudgetGrid.for_budget(40)  # the template's default: 19 slots of 2 requests


class SleepingClock(Clock):
    """The lease's sleeps move the clock: a send happens at ``now`` when ``acquire`` returns."""

    def __init__(self, at: float) -> None:
        super().__init__()
        self.now = at
        self.slept = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        self.slept += max(seconds, 0.0)


def fill(dynamodb: Any, second: int, leave_free: frozenset[int] = frozenset()) -> None:
    """Book every slot of ``second`` but ``leave_free`` whole, with the write a function's lease makes."""
    wanted = {slot: GRID.per_slot for slot in range(GRID.slots_per_second) if slot not in leave_free}
    BudgetTable(dynamodb, "state").book(second, wanted, GRID.per_slot)


def slot_of(moment: float) -> tuple[int, int]:
    second = int(moment)
    return second, int((moment - second) / GRID.width + 1e-4)  # epoch floats carry 2e-7 s


def test_the_operator_sends_only_in_slots_the_functions_left_free(dynamodb: Any) -> None:
    start = 1_800_000_000
    free = frozenset({4, 12})
    for second in range(start, start + 3):
        fill(dynamodb, second, leave_free=free)
    clock = SleepingClock(start + 0.001)
    lease = lease_from(dynamodb, "state", 40, clock=clock, sleep=clock.sleep)

    sends = []
    for _ in range(6):
        lease.acquire()
        sends.append(slot_of(clock.now))

    assert {slot for _, slot in sends} <= free
    for second in range(start, start + 3):
        counts = BudgetTable(dynamodb, "state").counts(second)
        taken = [slot for second_, slot in sends if second_ == second]
        for slot in free:  # the operator's additions are on the functions' item, within each slot's two
            assert taken.count(slot) <= GRID.per_slot
            assert counts.get(slot, 0) >= taken.count(slot)
    assert lease.budget.priority is Priority.BACKFILL


def test_a_function_leasing_after_the_operator_sees_the_operator_s_slots_taken(dynamodb: Any) -> None:
    start = 1_800_000_000
    clock = SleepingClock(start + 0.001)
    operator = lease_from(dynamodb, "state", 40, clock=clock, sleep=clock.sleep)
    operator.acquire()
    operator_slot = slot_of(clock.now)[1]
    table = BudgetTable(dynamodb, "state")

    granted, counts = table.book(start, {operator_slot: GRID.per_slot}, GRID.per_slot)

    assert counts[operator_slot] >= GRID.per_slot + 1  # the operator's request stands first in that slot's queue
    assert granted.get(operator_slot, 0) < GRID.per_slot


def test_a_budget_with_no_room_for_a_minute_is_one_line_not_a_retry(dynamodb: Any) -> None:
    start = 1_800_000_000
    for second in range(start, start + int(OPERATOR_MAX_WAIT_S) + 3):
        fill(dynamodb, second)
    clock = SleepingClock(start + 0.001)
    lease = lease_from(dynamodb, "state", 40, clock=clock, sleep=clock.sleep)

    with pytest.raises(OperatorError, match=r"state table state\) had no free slot for 60 s.*--outside-budget"):
        lease.acquire()
    assert clock.slept >= OPERATOR_MAX_WAIT_S


def test_the_table_is_read_before_any_request_so_a_missing_one_refuses_first(dynamodb: Any) -> None:
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        lease_from(dynamodb, "not-the-state-table", 40)


def test_the_budget_item_is_the_one_the_functions_write(dynamodb: Any) -> None:
    clock = SleepingClock(1_800_000_000.001)
    function = SharedBudget(BudgetTable(dynamodb, "state"), GRID, Priority.CUSTOMER, clock=clock, sleep=clock.sleep)
    operator = lease_from(dynamodb, "state", 40, clock=clock, sleep=clock.sleep)

    function.acquire()
    operator.acquire()

    items = dynamodb.scan(TableName="state")["Items"]
    assert {(item["pk"]["S"], item["sk"]["S"]) for item in items} == {(BUDGET_PK, "1800000000")}


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8631", True),
        ("http://localhost:8631/", True),
        ("http://[::1]:8631", True),
        ("https://brand.voyado.com", False),
        ("https://brand.staging.voyado.com/", False),
        ("http://10.0.0.5:8631", False),
    ],
)
def test_only_an_engage_on_this_machine_needs_no_budget(url: str, local: bool) -> None:
    assert is_loopback(url) is local


def test_outside_the_budget_warns_once_when_the_first_request_goes_out() -> None:
    warn = io.StringIO()
    pace = OutsideBudget("doctor", "https://brand.voyado.com", warn=warn)

    assert warn.getvalue() == ""
    pace.acquire()
    pace.acquire()

    lines = warn.getvalue().splitlines()
    assert len(lines) == 1
    assert "outside the stack's Engage budget" in lines[0] and "https://brand.voyado.com" in lines[0]


def test_a_deployed_engage_without_outside_budget_takes_the_lease() -> None:
    def refuse() -> Any:
        raise OperatorError("no stack")

    assert operator_pace("doctor", "http://127.0.0.1:8631", False, refuse) is None
    assert isinstance(operator_pace("doctor", "https://brand.voyado.com", True, refuse), OutsideBudget)
    with pytest.raises(OperatorError, match="no stack"):
        operator_pace("doctor", "https://brand.voyado.com", False, refuse)


def test_the_operator_s_slot_is_checked_again_as_the_request_leaves(dynamodb: Any) -> None:
    """The Engage session asks ``may_send`` as it hands a request over: a slot that passed meanwhile is not used."""
    start = 1_800_000_000
    clock = SleepingClock(start + 0.001)
    lease = lease_from(dynamodb, "state", 40, clock=clock, sleep=clock.sleep)

    lease.acquire()
    in_time = lease.may_send()
    lease.acquire()
    second, slot = slot_of(clock.now)
    clock.now = GRID.last_send(second, slot) + 0.001  # the workstation was descheduled after its grant

    assert in_time is True
    assert lease.may_send() is False
    assert OutsideBudget("doctor", "https://brand.voyado.com", warn=io.StringIO()).may_send() is True
