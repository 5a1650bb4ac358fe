"""Transport-free request and reply types of the sandbox, and Engage's error envelope."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engage_bridge_tools.sandbox.contract import issue

__all__ = ["JSON_HEADERS", "Reply", "Request", "error", "invalid", "issue"]

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: Mapping[str, str]  # first value of each parameter
    body: Any  # parsed JSON, or None when the request had no body
    params: Mapping[str, str] = field(default_factory=dict)  # named groups of the route pattern


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: Any = None  # JSON-ready; None means an empty body
    headers: Mapping[str, str] = field(default_factory=dict)


def error(status: int, code: str, message: str, **extra: Any) -> Reply:
    """Engage's error body: ``errorCode`` and ``message`` (3P observation), plus any extra keys."""
    return Reply(status, {"errorCode": code, "message": message, "statusCode": status, **extra})


def invalid(status: int, message: str, issues: list[dict[str, str]]) -> Reply:
    """A rejected request: seed 001's envelope ``{"message", "validationErrors"}``."""
    return Reply(status, {"message": message, "validationErrors": issues})
