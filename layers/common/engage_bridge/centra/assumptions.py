"""The Centra names the bridge relies on that no public source shows, parsed from ``assumptions.graphql``.

``assumptions.graphql`` (next to this module, so it ships in the Lambda layer) is the one list: SDL
``extend type X { field @assumed(evidence, alternatives, breaks) }``. The go-live preflight resolves each entry on
the brand's tenant; the contract test checks that every document the bridge sends validates against the evidence
schema plus exactly these names.

The evidence schema itself (``contract/centra/schema.graphql`` at the repository root) is not needed at run time: in
Lambda the preflight validates against the tenant's own introspected schema. ``evidence_schema_with_assumptions``
reads it from a checkout (tests, the local doctor) and raises ``FileNotFoundError`` with the path where there is none.
"""

import functools
from pathlib import Path
from typing import Final

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeExtensionNode,
    GraphQLSchema,
    InputObjectTypeExtensionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeExtensionNode,
    StringValueNode,
    ValueNode,
    build_schema,
    extend_schema,
    parse,
)
from graphql.language import ConstDirectiveNode, ListValueNode
from msgspec import Struct

ASSUMPTIONS_PATH: Final = Path(__file__).with_name("assumptions.graphql")
CONTRACT_SCHEMA_PATH: Final = Path(__file__).resolve().parents[4] / "contract" / "centra" / "schema.graphql"
_DIRECTIVE: Final = "assumed"


class Assumption(Struct, frozen=True):
    """One assumed name: ``type_name.field_name`` (a field, an input field or an enum value)."""

    type_name: str
    field_name: str
    evidence: str
    alternatives: tuple[str, ...]
    breaks: str

    @property
    def coordinate(self) -> str:
        return f"{self.type_name}.{self.field_name}"


def _string(value: ValueNode, where: str) -> str:
    if not isinstance(value, StringValueNode):
        raise ValueError(f"{where}: expected a string")
    return value.value


def _assumption(type_name: str, field_name: str, directive: ConstDirectiveNode) -> Assumption:
    where = f"{type_name}.{field_name} @{_DIRECTIVE}"
    arguments = {argument.name.value: argument.value for argument in directive.arguments or ()}
    alternatives = arguments.get("alternatives")
    if alternatives is not None and not isinstance(alternatives, ListValueNode):
        raise ValueError(f"{where}: alternatives must be a list of strings")
    if "evidence" not in arguments or "breaks" not in arguments:
        raise ValueError(f"{where}: evidence and breaks are required")
    return Assumption(
        type_name=type_name,
        field_name=field_name,
        evidence=_string(arguments["evidence"], where),
        alternatives=tuple(_string(value, where) for value in alternatives.values) if alternatives else (),
        breaks=_string(arguments["breaks"], where),
    )


def parse_assumptions(document: DocumentNode) -> tuple[Assumption, ...]:
    """Every ``@assumed`` member of the extensions in ``document``; a member without the directive is an error."""
    found: list[Assumption] = []
    for definition in document.definitions:
        if isinstance(definition, DirectiveDefinitionNode):
            continue
        if isinstance(definition, ObjectTypeExtensionNode | InterfaceTypeExtensionNode | InputObjectTypeExtensionNode):
            members = [(member.name.value, member.directives) for member in definition.fields or ()]
        elif isinstance(definition, EnumTypeExtensionNode):
            members = [(member.name.value, member.directives) for member in definition.values or ()]
        else:
            raise ValueError(f"assumptions: only type extensions and the directive belong here, not {definition.kind}")
        type_name = definition.name.value
        for member_name, directives in members:
            marks = [d for d in directives or () if d.name.value == _DIRECTIVE]
            if len(marks) != 1:
                raise ValueError(f"{type_name}.{member_name}: needs exactly one @{_DIRECTIVE}")
            found.append(_assumption(type_name, member_name, marks[0]))
    return tuple(found)


def assumptions_sdl() -> str:
    return ASSUMPTIONS_PATH.read_text(encoding="utf-8")


@functools.cache
def centra_assumptions() -> tuple[Assumption, ...]:
    """``assumptions.graphql``, parsed on first use (the doctor's run, not its cold start)."""
    return parse_assumptions(parse(assumptions_sdl()))


def __getattr__(name: str) -> tuple[Assumption, ...]:
    """``ASSUMPTIONS``: the parsed list, for the tests and tools that name it (PEP 562, parsed on first use)."""
    if name == "ASSUMPTIONS":
        return centra_assumptions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def evidence_schema(contract_sdl: str | None = None) -> GraphQLSchema:
    """The contract's evidence schema (``contract_sdl``, or the file in this checkout).

    Built without schema validation: a type the sources name but whose members are all assumed (``TranslatedField``)
    is empty here, valid only with the assumptions (``evidence_schema_with_assumptions`` is validated in full).
    """
    sdl = contract_sdl if contract_sdl is not None else CONTRACT_SCHEMA_PATH.read_text(encoding="utf-8")
    return build_schema(sdl, assume_valid=True)


def evidence_schema_with_assumptions(contract_sdl: str | None = None) -> GraphQLSchema:
    """The evidence schema extended with every assumed name: what the bridge's documents must validate against."""
    return extend_schema(evidence_schema(contract_sdl), parse(assumptions_sdl()))
