"""Every document the bridge sends to Centra stands on the contract: what Centra publishes plus the listed assumptions.

Against ``contract/centra/schema.graphql`` extended with ``assumptions.graphql`` every document validates; against
the evidence schema alone, the only failures are names the assumptions list. So nothing the bridge sends relies on
a name that is neither published nor listed, and every listed name is one the bridge really uses.
"""

import re
from pathlib import Path

import pytest
from graphql import GraphQLError, GraphQLSchema, parse, validate

from engage_bridge.centra import queries
from engage_bridge.centra.assumptions import ASSUMPTIONS, evidence_schema, evidence_schema_with_assumptions

_LAYER = Path(queries.__file__).resolve().parents[1]
_UNKNOWN_FIELD = re.compile(r"Cannot query field '(\w+)' on type '(\w+)'")
_UNKNOWN_INPUT_FIELD = re.compile(r"Expected value of type '(\w+)' not to include unknown field '(\w+)'")
_ASSUMED = {a.coordinate for a in ASSUMPTIONS}


@pytest.fixture(scope="module")
def evidence() -> GraphQLSchema:
    return evidence_schema()


@pytest.fixture(scope="module")
def contract() -> GraphQLSchema:
    return evidence_schema_with_assumptions()


def _coordinate(error: GraphQLError) -> str:
    if match := _UNKNOWN_FIELD.search(error.message):
        return f"{match.group(2)}.{match.group(1)}"
    if match := _UNKNOWN_INPUT_FIELD.search(error.message):
        return f"{match.group(1)}.{match.group(2)}"
    return error.message


def _assumed_names_used(evidence: GraphQLSchema) -> set[str]:
    return {
        _coordinate(error)
        for document in queries.ALL_DOCUMENTS.values()
        for error in validate(evidence, parse(document))
    }


@pytest.mark.parametrize("name", sorted(queries.ALL_DOCUMENTS))
def test_document_validates_against_the_contract(contract: GraphQLSchema, name: str) -> None:
    assert [error.message for error in validate(contract, parse(queries.ALL_DOCUMENTS[name]))] == []


@pytest.mark.parametrize("name", sorted(queries.ALL_DOCUMENTS))
def test_without_the_assumptions_only_listed_names_fail(evidence: GraphQLSchema, name: str) -> None:
    unlisted = {_coordinate(e) for e in validate(evidence, parse(queries.ALL_DOCUMENTS[name]))} - _ASSUMED

    assert unlisted == set()


def test_every_listed_name_is_used(evidence: GraphQLSchema) -> None:
    """A field assumption no document selects, or an enum value the code never compares with, is stale."""
    used = _assumed_names_used(evidence)
    code = "\n".join(path.read_text(encoding="utf-8") for path in _LAYER.rglob("*.py"))
    for assumption in ASSUMPTIONS:
        if assumption.type_name.endswith("Status"):  # enum values: the bridge compares statuses with them
            assert f'"{assumption.field_name}"' in code, assumption.coordinate
        elif assumption.type_name.startswith("DirectToConsumer"):  # the concrete twin of an assumed interface field
            assert any(a.field_name == assumption.field_name for a in ASSUMPTIONS if a is not assumption)
        else:
            assert assumption.coordinate in used, assumption.coordinate


def test_single_objects_are_read_through_list_filters() -> None:
    roots = " ".join(queries.ALL_DOCUMENTS.values())

    for unpublished in ("order(number:", "shipment(id:", "return(id:", "customer(id:", "stock(where: {SKU"):
        assert unpublished not in roots
    assert "trackingUrl" not in roots
    assert "number_ASC" not in roots
    assert "lines(includeFullyCancelled: true)" in queries.ORDER


def test_the_events_poll_selects_no_objects() -> None:
    assert "object {" not in queries.EVENTS
    assert "lines(limit: $lineLimit, page: $linePage)" in queries.STOCK_CHANGE_LINES
