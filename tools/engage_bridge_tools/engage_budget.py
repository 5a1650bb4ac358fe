"""The operator's Engage requests from a workstation, leased from the deployed stack's budget.

Every function of the stack leases its Engage requests from the state table (``engage_bridge.engage.budget``), so
no sliding second holds more than ``EngageRequestsPerSecond``. A command that sends to the same tenant from a
terminal (``doctor``, ``reconcile --spot-check`` / ``--receipt-imports``) leases from the same counters, or a run at
peak could put a second over the budget the handlers use whole. It books as the backfill does, last in line: only a
second already under way, after every handler.

Which budget a command uses:

- an Engage on loopback (the sandbox, a local demo) is no deployed tenant: no lease;
- ``--outside-budget``: none, deliberately, with a warning line (the table cannot be reached, or no stack uses the
  key yet: the doctor before go-live);
- else the stack's state table (``--stack``'s output ``StateTableName``, or ``--table``) at the stack's
  ``EngageRequestsPerSecond`` (the counters are cut into slots by it, so it must be the stack's);
- else the command is refused before any request: one line, exit 2.

The table is read once before the first request, so missing credentials, a missing table or a missing permission are
refused before anything reaches Engage. The operator's identity needs ``dynamodb:GetItem`` and
``dynamodb:UpdateItem`` on the table's ``engage-budget`` items (docs/runbook.md).
"""

import argparse
import ipaddress
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO
from urllib.parse import urlsplit

from engage_bridge.engage.budget import BudgetGrid, BudgetTable, Priority, SharedBudget
from engage_bridge.engage.outcomes import EngageRetryableError
from engage_bridge.engage.rate_limit import RateLimiter
from engage_bridge_tools.command_line import OperatorError

# The template's default for EngageRequestsPerSecond, for a table named without its stack.
DEFAULT_REQUESTS_PER_SECOND = 40.0
# Last in line, like the daily doctor and the backfill: the operator's reads wait for the handlers' sends.
OPERATOR_PRIORITY = Priority.BACKFILL
# A terminal can wait longer than a Lambda invocation (20 s) for a second with room.
OPERATOR_MAX_WAIT_S = 60.0
STACK_PARAMETER = "EngageRequestsPerSecond"


def add_budget_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--outside-budget",
        action="store_true",
        help="send to Engage without leasing from the stack's budget (the state table cannot be reached, or no "
        "stack uses the API key yet); prints a warning",
    )
    parser.add_argument(
        "--engage-requests-per-second",
        type=requests_per_second,
        metavar="N",
        help=f"the stack's {STACK_PARAMETER} (default: the stack's parameter with --stack, else the template's "
        f"{DEFAULT_REQUESTS_PER_SECOND:g})",
    )


class OperatorLease:
    """``acquire`` before each Engage request: a slot of the stack's budget, or one line when none comes."""

    def __init__(self, budget: SharedBudget, table: str) -> None:
        self.budget = budget
        self.table = table

    def acquire(self) -> float:
        try:
            return self.budget.acquire()
        except EngageRetryableError:
            raise OperatorError(
                f"the stack's Engage budget (state table {self.table}) had no free slot for "
                f"{OPERATOR_MAX_WAIT_S:g} s: its functions are using it whole; run again later, or with "
                "--outside-budget"
            ) from None

    def may_send(self) -> bool:
        return self.budget.may_send()  # a workstation descheduled after its grant misses the slot too


def is_loopback(url: str) -> bool:
    """An Engage on this machine (the sandbox): no deployed stack shares its limit."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class OutsideBudget:
    """``--outside-budget``: no lease (``inner``'s pace, if any), and one warning line when the first request goes
    out (not before: a command refused for another reason has one line to say so)."""

    def __init__(
        self, command: str, engage_url: str, inner: RateLimiter | None = None, warn: TextIO | None = None
    ) -> None:
        self._line = (
            f"engage-bridge {command}: warning: sending to {engage_url} outside the stack's Engage budget; "
            "while the stack is busy a second may hold more than its budget"
        )
        self._inner = inner
        self._warn = warn
        self.warned = False

    def acquire(self) -> float:
        if not self.warned:
            self.warned = True
            print(self._line, file=self._warn or sys.stderr)
        return 0.0 if self._inner is None else self._inner.acquire()

    def may_send(self) -> bool:
        return True if self._inner is None else self._inner.may_send()


def operator_pace(
    command: str,
    engage_url: str,
    outside_budget: bool,
    lease: Callable[[], OperatorLease],
    inner: RateLimiter | None = None,
) -> RateLimiter | None:
    """What the command's requests to ``engage_url`` wait on: ``inner`` alone for an Engage on this machine, a
    warning and ``inner`` with ``--outside-budget``, else ``lease()``: a lease on the stack's budget (or a refusal).
    """
    if is_loopback(engage_url):
        return inner
    if outside_budget:
        return OutsideBudget(command, engage_url, inner)
    return lease()


def no_budget(engage_url: str) -> OperatorError:
    """The refusal when the command was not told where the stack's budget is."""
    return OperatorError(
        f"{engage_url} is not on this machine: give --stack NAME to lease from the budget of the stack using it, "
        "or --outside-budget to send outside it"
    )


def lease_from(
    dynamodb: Any,
    table: str,
    requests_per_second: float | None,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> OperatorLease:
    """A lease on the budget in ``table`` (the stack's state table), at the backfill's place in line."""
    budget_table = BudgetTable(dynamodb, table)
    budget_table.counts(int(clock()))  # credentials, table and GetItem permission, before any Engage request
    grid = BudgetGrid.for_budget(requests_per_second or DEFAULT_REQUESTS_PER_SECOND)
    budget = SharedBudget(
        budget_table, grid, OPERATOR_PRIORITY, clock=clock, sleep=sleep, max_wait_s=OPERATOR_MAX_WAIT_S
    )
    return OperatorLease(budget, table)


def stack_rate(parameter: str | None, flag: float | None) -> float | None:
    """The budget from ``--engage-requests-per-second``, else the stack's parameter (None: the default)."""
    if flag is not None:
        return flag
    try:
        return float(parameter) if parameter else None
    except ValueError:
        raise OperatorError(f"the stack's {STACK_PARAMETER} is not a number: {parameter!r}") from None


def requests_per_second(text: str) -> float:
    """``--engage-requests-per-second``: within the template's bounds (2 to 50)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 2 <= value <= 50:  # the template parameter's MinValue and MaxValue
        raise argparse.ArgumentTypeError(f"{text} is outside 2 to 50 (the stack parameter's bounds)")
    return value
