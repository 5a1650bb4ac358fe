"""A Centra tenant in-process, for the doctor's unit tests: a graphql-core schema executing every document.

Introspection is graphql-core's own answer for the schema; any other query runs against it with empty lists for
list fields, so the variables the doctor sends are coerced exactly as a GraphQL server would (a wrong one is an
error). ``denied`` maps an operation name to the permission the token lacks, answered as Centra's AUTH page shows.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    build_schema,
    extend_schema,
    graphql_sync,
    parse,
)

from engage_bridge.centra.assumptions import CONTRACT_SCHEMA_PATH, assumptions_sdl
from engage_bridge.doctor.transport import Answer


def contract_schema(*, without: tuple[str, ...] = (), sdl_edits: Mapping[str, str] | None = None) -> GraphQLSchema:
    """The contract's evidence schema plus the assumptions, with ``Type.field`` names in ``without`` removed."""
    source = CONTRACT_SCHEMA_PATH.read_text(encoding="utf-8")
    for old, new in (sdl_edits or {}).items():
        assert old in source, old
        source = source.replace(old, new)
    schema = extend_schema(build_schema(source), parse(assumptions_sdl()))
    for coordinate in without:
        type_name, field_name = coordinate.split(".")
        named: Any = schema.get_type(type_name)
        fields = named.fields  # graphql-core caches the field map: removing from it removes the field
        assert field_name in fields, coordinate
        del fields[field_name]
    return schema


def _resolve(source: Any, info: GraphQLResolveInfo[Any], **arguments: Any) -> Any:
    if isinstance(source, Mapping) and info.field_name in source:
        return source[info.field_name]
    return_type = info.return_type
    if isinstance(return_type, GraphQLNonNull):
        return_type = return_type.of_type
    return [] if isinstance(return_type, GraphQLList) else None


@dataclass
class ScriptedCentra:
    schema: GraphQLSchema
    denied: dict[str, str] = field(default_factory=dict)
    root: dict[str, Any] = field(default_factory=dict)  # answers for root fields, e.g. {"events": [{"id": 1}]}
    status: int = 200
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def execute(self, document: str, variables: Mapping[str, Any] | None = None) -> Answer:
        self.sent.append((document, dict(variables or {})))
        if self.status != 200:
            return Answer(self.status, {"errors": [{"message": "Unauthorized"}]})
        operation = next(d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode))
        name = operation.name.value if operation.name else ""
        if name in self.denied:
            message = f"You need {self.denied[name]} permission to access this."
            return Answer(
                200, {"data": None, "errors": [{"message": message, "extensions": {"category": "authorization"}}]}
            )
        assert operation.operation is OperationType.QUERY, "the doctor sent a mutation"
        result = graphql_sync(
            self.schema, document, root_value=self.root, variable_values=dict(variables or {}), field_resolver=_resolve
        )
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [{"message": error.message} for error in result.errors]
        return Answer(200, body)
