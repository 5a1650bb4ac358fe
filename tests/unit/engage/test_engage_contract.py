"""Engage's contract (contract/engage/openapi.yaml) and the sandbox built from it."""

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from engage_bridge_tools.sandbox import routes
from engage_bridge_tools.sandbox.contract import CONTRACT, check_logged, check_request, load

SANDBOX = Path(routes.__file__).resolve().parent
SEED001 = Path(__file__).resolve().parents[2] / "golden" / "seed001"


def _seed(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((SEED001 / f"{name}.json").read_text(encoding="utf-8"))
    return body


def test_the_contract_is_a_valid_openapi_document_and_every_operation_names_its_source() -> None:
    validate(load().document)
    for operation in load().operations:
        assert operation.sources, operation.operation_id


def test_the_sandbox_serves_exactly_the_contracts_operations() -> None:
    routes.check(load())
    assert {o.operation_id for o in load().operations} == {*routes.HANDLERS, routes.CREATE_CONTACT}


def test_no_module_of_the_sandbox_imports_the_bridge() -> None:
    for module in SANDBOX.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] != "engage_bridge", f"{module.name} imports {name}"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v3/contacts/id"),
        ("GET", "/api/v3/contacts/{contactId}"),
        ("GET", "/api/v3/contactoverview"),
        ("GET", "/api/v3/contacts/{contactId}/transactions"),
        ("GET", "/api/v3/contacts/changes"),
        ("GET", "/api/v3/consents"),
        ("POST", "/api/v3/inventory/backinstock/subscriptions"),
        ("PUT", "/api/v2/inventory/stock-levels/batch"),
        ("GET", "/api/v2/contacts/bulk/status"),
        ("POST", "/api/v2/orders"),
        ("POST", "/api/v3/receipts"),
    ],
)
def test_the_evidenced_operations_are_in_the_contract(method: str, path: str) -> None:
    assert any(o.method == method and o.template == path for o in load().operations)


@pytest.mark.parametrize(
    "path", ["/api/v3/inventory/stock-levels/batch", "/api/v3/contacts/bulk/status", "/api/v3/orders"]
)
def test_paths_without_evidence_are_not(path: str) -> None:
    assert not load().path_exists(path)


@pytest.mark.parametrize("name", ["purchase_receipt", "return_receipt"])
def test_seed001_receipts_fit_the_contract(name: str) -> None:
    assert check_request("POST", "/api/v3/receipts", _seed(name)) == []


@pytest.mark.parametrize("name", ["order_confirmation", "shipping_confirmation", "return"])
def test_seed001_orders_miss_only_the_language_voyado_documents_as_mandatory(name: str) -> None:
    assert check_request("POST", "/api/v2/orders", _seed(name)) == ["registerOrder: Language: 'Language' is required."]
    assert check_request("POST", "/api/v2/orders", {**_seed(name), "language": "sv-SE"}) == []


def test_check_request_names_what_misses() -> None:
    assert check_request("PUT", "/api/v3/inventory/stock-levels/batch", []) == [
        "/api/v3/inventory/stock-levels/batch is not an Engage path in the contract"
    ]
    assert check_request("PUT", "/api/v3/contacts/c-1") == ["PUT is not an operation on /api/v3/contacts/c-1"]
    assert check_request("GET", "/api/v3/contacts/changes?fromDate=2026-01-01") == [
        "getChangedContactIds: ChangeType: 'changeType' is required."
    ]
    assert check_request("POST", "/api/v3/contacts?source=ECOM") == ["createContact: Body: A JSON body is required."]
    assert check_request("GET", "/api/v3/contacts/c-1/transactions?offset=-1&count=x") == [
        "getContactTransactions: Offset: 'offset' must be at least 0.",
        "getContactTransactions: Count: 'count' must be an integer.",
    ]
    problems = check_request("POST", "/api/v3/contacts", {"email": "a@b.se", "gender": "male", "birthDay": "1990-1-1"})
    assert [problem.split(":")[1].strip() for problem in problems] == ["BirthDay", "Gender"]
    assert check_request("GET", "/api/v3/contacts/id?email=a%2Bb%40example.com&contactType=member") == []


def test_the_contract_file_is_where_the_docs_say() -> None:
    assert CONTRACT.parts[-3:] == ("contract", "engage", "openapi.yaml")


def test_check_logged_reads_the_sandboxs_request_log_against_the_contract() -> None:
    log = [
        {"seq": 1, "method": "GET", "path": "/api/v3/contacts/id", "query": "email=a%40b.se", "body": None},
        {"seq": 2, "method": "PUT", "path": "/api/v3/inventory/stock-levels/batch", "query": "", "body": []},
        {
            "seq": 3,
            "method": "PUT",
            "path": "/api/v2/inventory/stock-levels/batch",
            "query": "",
            "body": [{"sku": "S"}],
        },
    ]
    assert check_logged(log) == [
        "request 2 PUT /api/v3/inventory/stock-levels/batch: "
        "/api/v3/inventory/stock-levels/batch is not an Engage path in the contract",
        "request 3 PUT /api/v2/inventory/stock-levels/batch: updateStockLevels: [0].Quantity: 'Quantity' is required.",
    ]
