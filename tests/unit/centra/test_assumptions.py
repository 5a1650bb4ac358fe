"""The assumptions file parses into one entry per assumed name, each on a type the evidence did not see whole."""

import re

import pytest
from graphql import GraphQLEnumType, GraphQLInputObjectType, parse

from engage_bridge.centra.assumptions import (
    ASSUMPTIONS,
    CONTRACT_SCHEMA_PATH,
    evidence_schema,
    evidence_schema_with_assumptions,
    parse_assumptions,
)


def _contract_lines() -> dict[str, str]:
    """The contract's annotation line of each type, by name."""
    lines: dict[str, str] = {}
    for line in CONTRACT_SCHEMA_PATH.read_text(encoding="utf-8").splitlines():
        match = re.match(r"(?:type|interface|input|enum) (\w+)", line)
        if match:
            lines[match.group(1)] = line
    return lines


def test_every_assumption_has_evidence_and_what_breaks() -> None:
    assert len(ASSUMPTIONS) == len({a.coordinate for a in ASSUMPTIONS})
    for assumption in ASSUMPTIONS:
        assert assumption.evidence.strip() and assumption.breaks.strip(), assumption.coordinate


def test_assumptions_are_never_on_a_type_the_evidence_saw_whole() -> None:
    lines = _contract_lines()
    for assumption in ASSUMPTIONS:
        assert "seen whole" not in lines[assumption.type_name], assumption.coordinate


def test_assumed_names_are_not_in_the_evidence_schema() -> None:
    schema = evidence_schema()
    for assumption in ASSUMPTIONS:
        named = schema.get_type(assumption.type_name)
        members = named.values if isinstance(named, GraphQLEnumType) else named.fields  # type: ignore[union-attr]
        assert assumption.field_name not in members, assumption.coordinate


def test_the_extended_schema_holds_every_assumed_name() -> None:
    schema = evidence_schema_with_assumptions()
    for assumption in ASSUMPTIONS:
        named = schema.get_type(assumption.type_name)
        if isinstance(named, GraphQLEnumType):
            assert assumption.field_name in named.values
        elif isinstance(named, GraphQLInputObjectType):
            assert assumption.field_name in named.fields
        else:
            assert assumption.field_name in named.fields  # type: ignore[union-attr]


def test_a_member_without_its_evidence_is_refused() -> None:
    with pytest.raises(ValueError, match=r"Customer\.nickname"):
        parse_assumptions(parse("extend type Customer { nickname: String }"))
    with pytest.raises(ValueError, match="evidence and breaks"):
        parse_assumptions(parse('extend type Customer { nickname: String @assumed(evidence: "x") }'))


def test_the_evidence_schema_is_read_from_a_checkout_only() -> None:
    sdl = "type Query { a: Int }"
    assert evidence_schema(sdl).query_type is not None
    assert CONTRACT_SCHEMA_PATH.is_file()
