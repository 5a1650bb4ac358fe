"""Check results: one line each, PASS / FAIL / CANNOT CHECK with the reason, and the run's exit code."""

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from msgspec import Struct


class Status(StrEnum):
    PASS = "PASS"  # a check result, not a password  # noqa: S105  # nosec B105
    FAIL = "FAIL"
    CANNOT_CHECK = "CANNOT CHECK"


class Check(Struct, frozen=True):
    """One finding. ``name`` is stable (``centra.document.Events``) so alarms and scripts can key on it."""

    name: str
    status: Status
    reason: str

    def line(self) -> str:
        return f"{self.status.value:<12}  {self.name}: {self.reason}"

    def as_json(self) -> dict[str, str]:
        return {"check": self.name, "status": self.status.value, "reason": self.reason}


def passed(name: str, reason: str) -> Check:
    return Check(name, Status.PASS, reason)


def failed(name: str, reason: str) -> Check:
    return Check(name, Status.FAIL, reason)


def cannot_check(name: str, reason: str) -> Check:
    return Check(name, Status.CANNOT_CHECK, reason)


class TenantUnreachable(Exception):
    """A tenant gave no usable answer at all (connection refused, DNS, timeout, not a GraphQL/HTTP API)."""

    def __init__(self, tenant: str, detail: str) -> None:
        self.tenant = tenant
        self.detail = detail
        super().__init__(f"{tenant} cannot be reached: {detail}")


# Exit codes of ``engage-bridge doctor``.
EXIT_ALL_PASS = 0
EXIT_FAILURE = 1
EXIT_UNREACHABLE = 2


class Report(Struct, frozen=True):
    checks: tuple[Check, ...]

    @classmethod
    def of(cls, checks: Iterable[Check]) -> "Report":
        return cls(tuple(checks))

    def count(self, status: Status) -> int:
        return sum(1 for check in self.checks if check.status is status)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if check.status is Status.FAIL)

    @property
    def exit_code(self) -> int:
        """0 when nothing failed. CANNOT CHECK is not a failure: ``docs/go-live.md`` says who settles each."""
        return EXIT_FAILURE if self.failures else EXIT_ALL_PASS

    def lines(self) -> list[str]:
        summary = (
            f"{self.count(Status.PASS)} passed, {self.count(Status.FAIL)} failed, "
            f"{self.count(Status.CANNOT_CHECK)} cannot be checked without a write or a person"
        )
        return [check.line() for check in self.checks] + [summary]

    def as_json(self) -> dict[str, Any]:
        return {
            "checks": [check.as_json() for check in self.checks],
            "summary": {status.name.lower(): self.count(status) for status in Status},
            "exit_code": self.exit_code,
        }
