"""Engage's contract (``contract/engage/openapi.yaml``): which operations exist, and whether a request fits one.

The sandbox routes from it, and tests check the bridge's own requests against it (``check_request``), so a path
or a body the evidence does not show fails in both places. Bodies are validated with ``jsonschema`` (JSON Schema
2020-12, the dialect of OpenAPI 3.1); failures come back as seed 001's ``validationErrors`` entries.
"""

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml  # type: ignore[import-untyped]
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

CONTRACT = Path(__file__).resolve().parents[3] / "contract" / "engage" / "openapi.yaml"
_BASE = "urn:engage-contract"
_METHODS = ("get", "put", "post", "patch", "delete")
# jsonschema keyword → the validationErrorCode the sandbox reports (Engage's codes for these are undocumented).
_CODES = {"required": "Required", "type": "InvalidType", "enum": "InvalidValue", "pattern": "InvalidFormat"}


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    method: str  # upper case
    template: str  # /api/v3/contacts/{contactId}
    pattern: re.Pattern[str] = field(repr=False)
    parameters: tuple[Mapping[str, Any], ...] = field(repr=False)
    body_pointer: str | None = field(repr=False)  # JSON pointer of the request body's schema
    invalid_status: int = 400
    sources: tuple[str, ...] = ()

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.match(path)
        return None if found is None else found.groupdict()


@dataclass(frozen=True)
class Contract:
    document: Mapping[str, Any]
    operations: tuple[Operation, ...]
    _validators: dict[str, Any] = field(default_factory=dict, repr=False)

    def resolve(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation for this method and path, with its path parameters, or None."""
        for operation in self.operations:
            params = operation.match(path)
            if params is not None and operation.method == method.upper():
                return operation, params
        return None

    def path_exists(self, path: str) -> bool:
        return any(operation.match(path) is not None for operation in self.operations)

    def query_issues(self, operation: Operation, query: Mapping[str, str]) -> list[dict[str, str]]:
        """Required query parameters that are missing, and values outside a parameter's enum."""
        problems = []
        for parameter in operation.parameters:
            if parameter.get("in") != "query":
                continue
            name, schema = parameter["name"], parameter.get("schema") or {}
            value = query.get(name)
            if value is None:
                if parameter.get("required"):
                    problems.append(issue("Required", _pascal(name), f"'{name}' is required."))
                continue
            if "enum" in schema and value not in schema["enum"]:
                allowed = ", ".join(map(str, schema["enum"]))
                problems.append(issue("InvalidValue", _pascal(name), f"'{name}' must be one of {allowed}."))
            if schema.get("type") == "integer" and not re.fullmatch(r"-?\d+", value):
                problems.append(issue("InvalidType", _pascal(name), f"'{name}' must be an integer."))
            elif schema.get("type") == "integer" and int(value) < schema.get("minimum", int(value)):
                problems.append(issue("InvalidValue", _pascal(name), f"'{name}' must be at least {schema['minimum']}."))
        return problems

    def body_issues(self, operation: Operation, body: Any) -> list[dict[str, str]]:
        """The request body against the operation's schema; ``[]`` when it fits (or the operation has none)."""
        if operation.body_pointer is None:
            return []
        validator = self._validators.get(operation.operation_id)
        if validator is None:
            validator = _validator(self.document, operation.body_pointer)
            self._validators[operation.operation_id] = validator
        return [_as_issue(error) for error in sorted(validator.iter_errors(body), key=_error_order)]


def issue(code: str, field_name: str, description: str) -> dict[str, str]:
    """One ``validationErrors`` entry, shaped as in seed 001's real 422 answer."""
    return {"validationErrorCode": code, "field": field_name, "errorDescription": description}


@cache
def load(path: Path = CONTRACT) -> Contract:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    # Fixed segments win over parameters: /contacts/changes is not the contact with id "changes".
    operations = sorted(_operations(document), key=lambda operation: operation.template.count("{"))
    return Contract(document, tuple(operations))


def check_request(method: str, target: str, body: Any = None, contract: Contract | None = None) -> list[str]:
    """Every way a request (method, path with query, parsed JSON body) misses the contract; ``[]`` when it fits.

    For tests: ``assert check_request("POST", "/api/v3/contacts?source=ECOM", body) == []``.
    """
    contract = contract or load()
    url = urlsplit(target)
    path = unquote(url.path)
    resolved = contract.resolve(method, path)
    if resolved is None:
        if contract.path_exists(path):
            return [f"{method.upper()} is not an operation on {path}"]
        return [f"{path} is not an Engage path in the contract"]
    operation, _ = resolved
    query = {name: values[0] for name, values in parse_qs(url.query, keep_blank_values=True).items()}
    problems = contract.query_issues(operation, query)
    if operation.body_pointer is not None and body is None:
        problems.append(issue("Required", "Body", "A JSON body is required."))
    elif body is not None:
        problems += contract.body_issues(operation, body)
    return [f"{operation.operation_id}: {p['field']}: {p['errorDescription']}" for p in problems]


def check_logged(entries: Iterable[Mapping[str, Any]], contract: Contract | None = None) -> list[str]:
    """``check_request`` for each entry of the sandbox's request log (``EngageSandbox.requests()``), numbered."""
    problems = []
    for entry in entries:
        target = f"{entry['path']}?{entry['query']}" if entry.get("query") else str(entry["path"])
        for problem in check_request(str(entry["method"]), target, entry.get("body"), contract):
            problems.append(f"request {entry.get('seq', '?')} {entry['method']} {entry['path']}: {problem}")
    return problems


def _operations(document: Mapping[str, Any]) -> Iterator[Operation]:
    for template, item in document["paths"].items():
        shared = tuple(item.get("parameters", ()))
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            pointer = None
            if "requestBody" in operation:
                escaped = template.replace("~", "~0").replace("/", "~1")
                pointer = f"/paths/{escaped}/{method}/requestBody/content/application~1json/schema"
            yield Operation(
                operation_id=operation["operationId"],
                method=method.upper(),
                template=template,
                pattern=_path_pattern(template),
                parameters=shared + tuple(operation.get("parameters", ())),
                body_pointer=pointer,
                invalid_status=int(operation.get("x-invalid-status", 400)),
                sources=tuple(operation.get("x-source", ())),
            )


def _path_pattern(template: str) -> re.Pattern[str]:
    """``{name}`` matches one non-empty segment; fixed segments match exactly (case-sensitively)."""
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join(f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(f"^{regex}$")


def _validator(document: Mapping[str, Any], pointer: str) -> Any:
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(_BASE, resource)
    return Draft202012Validator({"$ref": f"{_BASE}#{pointer}"}, registry=registry)


def _error_order(error: Any) -> tuple[str, str]:
    return json.dumps(list(error.absolute_path)), str(error.message)


def _as_issue(error: Any) -> dict[str, str]:
    where = _field(list(error.absolute_path))
    if error.validator == "required":
        missing = re.search(r"'([^']+)' is a required property", error.message)
        name = missing.group(1) if missing else "?"
        target = f"{where}.{_pascal(name)}" if where != "Body" else _pascal(name)
        return issue("Required", target, f"'{_pascal(name)}' is required.")
    code = _CODES.get(str(error.validator), "Invalid")
    return issue(code, where, str(error.message))


def _field(path: list[Any]) -> str:
    """``["items", 0, "sku"]`` → ``Items[0].Sku``, the PascalCase of seed 001's ``field``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f"{'.' if text else ''}{_pascal(str(part))}"
    return text or "Body"


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]
