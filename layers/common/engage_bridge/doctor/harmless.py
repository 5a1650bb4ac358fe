"""Harmless variable values for running a read document once, only to see whether the token may run it.

Ids and numbers are 0 (no Centra object has id 0 or number 0, so nothing is found and nothing is read), a
variable passed as a ``limit``, ``page``, ``first`` or ``last`` argument is 1 (Centra: "Limit must be in range
1 - 200"), texts ``"0"``, enums their first value, dates a fixed day. Optional variables are left out, except
paging ones. Values come from the tenant's own schema, so they fit what it expects.
"""

from typing import Any

from graphql import (
    ArgumentNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    Undefined,
    VariableNode,
    Visitor,
    type_from_ast,
    visit,
)

_ONE = frozenset({"limit", "page", "first", "last"})
_MAX_DEPTH = 4


class _PagingVariables(Visitor):
    """Names of the variables passed straight to a paging argument (``lines(limit: $lineLimit)``)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_argument(self, node: ArgumentNode, *_: object) -> None:
        if node.name.value in _ONE and isinstance(node.value, VariableNode):
            self.names.add(node.value.name.value)


def harmless_variables(schema: GraphQLSchema, operation: OperationDefinitionNode) -> dict[str, Any]:
    paging = _PagingVariables()
    visit(operation, paging)
    values: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        declared = type_from_ast(schema, definition.type)
        if declared is None or definition.default_value is not None:
            continue
        if name in paging.names:
            values[name] = 1
        elif isinstance(declared, GraphQLNonNull) or name in _ONE:
            values[name] = harmless_value(declared, name)  # type: ignore[arg-type]
    return values


def harmless_value(type_: GraphQLInputType, name: str = "", depth: int = 0) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return harmless_value(type_.of_type, name, depth)
    if isinstance(type_, GraphQLList):
        return [harmless_value(type_.of_type, name, depth)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        if depth >= _MAX_DEPTH:
            return {}
        return {
            field_name: harmless_value(field.type, field_name, depth + 1)
            for field_name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    return _scalar(type_, name)


def _scalar(type_: GraphQLScalarType, name: str) -> Any:
    kind = type_.name
    if kind in ("Int", "Int64"):
        return 1 if name in _ONE else 0
    if kind == "Float":
        return 0.0
    if kind == "Boolean":
        return False
    if kind == "Date":
        return "2000-01-01"
    if kind.startswith("DateTime"):
        return "2000-01-01T00:00:00+00:00"
    return "0"
