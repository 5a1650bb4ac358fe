"""Centra checks: the tenant's own schema, by introspection (centra-wave2.md §6), against what the bridge sends.

1. Introspect, and build the schema with graphql-core.
2. Validate every document the bridge sends; a failing document names each unknown field or argument.
3. Resolve every listed assumption: present, or which of its alternatives the tenant has instead.
4. Run each read document once with harmless variables (``harmless``): a permission error names the permission.
   Mutations are never sent.
5. The events system: Centra answers the events query even when the system is off, so only queued events prove
   it is on; and the integration's listeners, where types the bridge never listens to mean a shared name.
"""

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    build_client_schema,
    get_introspection_query,
    get_named_type,
    parse,
    validate,
)
from graphql.validation import NoDeprecatedCustomRule
from msgspec import Struct

from engage_bridge.centra.assumptions import Assumption
from engage_bridge.doctor.harmless import harmless_variables
from engage_bridge.doctor.report import Check, TenantUnreachable, cannot_check, failed, passed
from engage_bridge.doctor.transport import Answer, GraphQLEndpoint

EVENTS_PROBE = "query DoctorEvents { events(limit: 1) { id } }"
LISTENERS_PROBE = "query DoctorEventListeners { eventListeners { integrationName objectType changeTypes } }"
_AUTHORIZATION = "authorization"
_PERMISSION = re.compile(r"permission", re.IGNORECASE)
# An alternative as assumptions.graphql writes it: ``Type.field``, ``field``, ``field(arg: {a, b})``,
# ``field(arg: Type)`` or ``field { a b }``, possibly followed by prose.
_ALTERNATIVE = re.compile(
    r"^\s*(?P<first>[A-Za-z_]\w*)(?:\.(?P<second>[A-Za-z_]\w*))?"
    r"(?:\s*\((?P<arguments>[^)]*)\))?(?:\s*\{(?P<selection>[^}]*)\})?"
)
_ARGUMENT = re.compile(r"(?P<name>\w+)\s*:\s*(?:\{(?P<fields>[^}]*)\}|(?P<type>\w+))")
_MAX_MESSAGES = 5


class Introspected(Struct, frozen=True):
    check: Check
    schema: GraphQLSchema | None


def centra_checks(
    centra: GraphQLEndpoint,
    documents: Mapping[str, str],
    assumptions: Sequence[Assumption],
    listened_types: Sequence[str],
) -> Iterator[Check]:
    introspected = introspect(centra)
    yield introspected.check
    schema = introspected.schema
    if schema is None:
        reason = "needs the tenant's schema (centra.introspection failed)"
        for name in documents:
            yield cannot_check(f"centra.document.{name}", reason)
        for assumption in assumptions:
            yield cannot_check(f"centra.assumption.{assumption.coordinate}", reason)
        yield cannot_check("centra.events-enabled", reason)
        yield cannot_check("centra.listeners", reason)
        return
    valid: dict[str, OperationDefinitionNode] = {}
    for name, document in documents.items():
        check, operation = validate_document(schema, name, document)
        yield check
        if operation is not None:
            valid[name] = operation
    for assumption in assumptions:
        yield resolve_assumption(schema, assumption)
    for name, document in documents.items():
        yield permission_check(centra, schema, name, document, valid.get(name))
    yield events_enabled(centra, schema)
    yield listeners(centra, schema, listened_types)


def introspect(centra: GraphQLEndpoint) -> Introspected:
    name = "centra.introspection"
    answer = centra.execute(get_introspection_query(descriptions=False))
    if answer.body is None and answer.status not in (401, 403):
        # Not a GraphQL answer at all (an HTML error page, a proxy): the URL is not the Integration API.
        raise TenantUnreachable("Centra", f"HTTP {answer.status} without a JSON body: is this the GraphQL endpoint?")
    if answer.status in (401, 403) or _authorization_errors(answer):
        messages = _messages(answer) or f"HTTP {answer.status}"
        return Introspected(failed(name, f"the token is refused: {messages}"), None)
    data = answer.body.get("data") if isinstance(answer.body, dict) else None
    if not answer.ok or not isinstance(data, dict) or not isinstance(data.get("__schema"), dict):
        detail = _messages(answer) or f"HTTP {answer.status} without a __schema"
        return Introspected(failed(name, f"introspection was not answered: {detail}"), None)
    try:
        schema = build_client_schema(data)  # type: ignore[arg-type]
    except (TypeError, ValueError, GraphQLError) as error:
        return Introspected(failed(name, f"the introspected schema cannot be built: {error}"), None)
    types = [type_name for type_name in schema.type_map if not type_name.startswith("__")]
    return Introspected(passed(name, f"the tenant's schema has {len(types)} types"), schema)


def validate_document(schema: GraphQLSchema, name: str, document: str) -> tuple[Check, OperationDefinitionNode | None]:
    check_name = f"centra.document.{name}"
    try:
        ast = parse(document)
    except GraphQLError as error:
        return failed(check_name, f"the bridge's document does not parse: {error.message}"), None
    errors = validate(schema, ast)
    if errors:
        found = "; ".join(_located(error) for error in errors[:_MAX_MESSAGES])
        more = f"; and {len(errors) - _MAX_MESSAGES} more" if len(errors) > _MAX_MESSAGES else ""
        return failed(check_name, f"{found}{more}"), None
    operation = next(
        (definition for definition in ast.definitions if isinstance(definition, OperationDefinitionNode)), None
    )
    # Centra deprecates before it removes (its schema changelog): name what will break next.
    deprecated = sorted({_located(error) for error in validate(schema, ast, [NoDeprecatedCustomRule])})
    notice = f"; uses what Centra deprecates: {'; '.join(deprecated[:_MAX_MESSAGES])}" if deprecated else ""
    return passed(check_name, f"valid against the tenant's schema{notice}"), operation


def _located(error: GraphQLError) -> str:
    message = error.message.rstrip(".")
    if error.locations:
        return f"{message} (line {error.locations[0].line})"
    return message


def _has_member(schema: GraphQLSchema, type_name: str, member: str) -> bool | None:
    """Whether ``type_name`` has ``member`` (field, input field or enum value); None when the type is absent."""
    named = schema.get_type(type_name)
    if named is None:
        return None
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
        return member in named.fields
    if isinstance(named, GraphQLEnumType):
        return member in named.values
    return False


def _names(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_]\w*", text))


def _argument_fits(field: GraphQLField, name: str, filter_fields: str | None, type_name: str | None) -> bool:
    declared = field.args.get(name)
    if declared is None:
        return False
    input_type = get_named_type(declared.type)
    if type_name and input_type.name != type_name:
        return False
    if filter_fields is None:
        return True
    return isinstance(input_type, GraphQLInputObjectType) and _names(filter_fields) <= set(input_type.fields)


def _fits(schema: GraphQLSchema, type_name: str, member: str, arguments: str | None, selection: str | None) -> bool:
    """Whether ``type_name.member`` exists with the arguments and selected fields the alternative names."""
    if not _has_member(schema, type_name, member):
        return False
    named = schema.get_type(type_name)
    field = named.fields.get(member) if isinstance(named, GraphQLObjectType | GraphQLInterfaceType) else None
    if field is None:
        return arguments is None and selection is None  # an enum value or input field: nothing more to match
    if not all(
        _argument_fits(field, argument["name"], argument["fields"], argument["type"])
        for argument in _ARGUMENT.finditer(arguments or "")
    ):
        return False
    if selection is None:
        return True
    returned = get_named_type(field.type)
    fields = returned.fields if isinstance(returned, GraphQLObjectType | GraphQLInterfaceType) else {}
    return _names(selection) <= set(fields)


def _alternative_coordinates(schema: GraphQLSchema, assumption: Assumption, alternative: str) -> str | None:
    """Where the tenant has an alternative: ``Type.member`` as written, else on the assumption's own type; one
    with arguments may also be a root field. Named arguments, their filter fields and selected fields must match."""
    match = _ALTERNATIVE.match(alternative)
    if match is None:
        return None
    first, second, arguments, selection = match.group("first", "second", "arguments", "selection")
    if second is not None:
        return f"{first}.{second}" if _fits(schema, first, second, arguments, selection) else None
    places = [assumption.type_name]
    if arguments is not None and schema.query_type is not None:
        places.append(schema.query_type.name)
    return next((f"{place}.{first}" for place in places if _fits(schema, place, first, arguments, selection)), None)


def resolve_assumption(schema: GraphQLSchema, assumption: Assumption) -> Check:
    name = f"centra.assumption.{assumption.coordinate}"
    present = _has_member(schema, assumption.type_name, assumption.field_name)
    if present:
        return passed(name, "present on the tenant")
    where = f"type {assumption.type_name} is absent" if present is None else "absent"
    found = [
        f"{alternative} ({coordinate})"
        for alternative in assumption.alternatives
        if (coordinate := _alternative_coordinates(schema, assumption, alternative)) is not None
    ]
    instead = f"; the tenant has instead: {', '.join(found)}" if found else "; none of its alternatives is there either"
    return failed(name, f"{where}{instead}; breaks: {assumption.breaks}")


def permission_check(
    centra: GraphQLEndpoint,
    schema: GraphQLSchema,
    name: str,
    document: str,
    operation: OperationDefinitionNode | None,
) -> Check:
    check_name = f"centra.permission.{name}"
    if operation is None:
        return cannot_check(check_name, f"not run: the document does not validate (centra.document.{name})")
    if operation.operation is not OperationType.QUERY:
        return cannot_check(check_name, f"a {operation.operation.value}: the preflight never sends one")
    answer = centra.execute(document, harmless_variables(schema, operation))
    denied = _authorization_errors(answer) or (
        [str(message) for message in _error_messages(answer) if _PERMISSION.search(str(message))] if answer.ok else []
    )
    if answer.status in (401, 403) or denied:
        return failed(check_name, f"the token may not run it: {'; '.join(denied) or f'HTTP {answer.status}'}")
    if not answer.ok:
        return failed(check_name, f"Centra answered HTTP {answer.status}: {_messages(answer) or 'no GraphQL errors'}")
    errors = _error_messages(answer)
    if errors:
        return cannot_check(check_name, f"ran with harmless variables; Centra answered: {'; '.join(errors)}")
    used = _permissions_used(answer)
    return passed(check_name, f"runs with this token{f' (permissions used: {used})' if used else ''}")


def events_enabled(centra: GraphQLEndpoint, schema: GraphQLSchema) -> Check:
    name = "centra.events-enabled"
    problems = validate(schema, parse(EVENTS_PROBE))
    if problems:
        return failed(name, f"the tenant has no events query: {_located(problems[0])}")
    answer = centra.execute(EVENTS_PROBE)
    if not answer.ok or _error_messages(answer):
        return failed(name, f"the events query failed: {_messages(answer) or f'HTTP {answer.status}'}")
    events = _data(answer).get("events")
    if isinstance(events, list) and events:
        return passed(name, "events are queued for this integration, so the events system produces them")
    return cannot_check(
        name,
        "no event is queued: Centra answers the events query even when its events system is off; ask the CSM/PSM "
        "to confirm it is on for this tenant, or change a test order on QA and run the doctor again",
    )


def listeners(centra: GraphQLEndpoint, schema: GraphQLSchema, listened_types: Sequence[str]) -> Check:
    name = "centra.listeners"
    problems = validate(schema, parse(LISTENERS_PROBE))
    if problems:
        return cannot_check(name, f"the tenant has no eventListeners query as documented: {_located(problems[0])}")
    answer = centra.execute(LISTENERS_PROBE)
    if not answer.ok or _error_messages(answer):
        return failed(name, f"eventListeners failed: {_messages(answer) or f'HTTP {answer.status}'}")
    found = [item for item in _data(answer).get("eventListeners") or [] if isinstance(item, dict)]
    integrations = sorted({str(item.get("integrationName")) for item in found if item.get("integrationName")})
    foreign = sorted({str(item.get("objectType")) for item in found} - set(listened_types))
    label = f"integration {', '.join(integrations)}" if integrations else "this integration"
    if foreign:
        return failed(
            name,
            f"{label} also listens to {', '.join(foreign)}, which the bridge never does: another system shares the "
            "token's integration name, and each takes events the other never sees; give the bridge's token a name "
            "of its own",
        )
    if len(integrations) > 1:
        return failed(name, f"listeners of several integrations are visible to this token: {', '.join(integrations)}")
    if not found:
        return passed(name, "no listeners yet; the poller registers the bridge's own on its first run")
    types = ", ".join(sorted({str(item.get("objectType")) for item in found}))
    return passed(
        name,
        f"{label} listens only to what the bridge reads ({types}); "
        "a second consumer of the same types cannot be told apart, so keep the name for the bridge alone",
    )


def _data(answer: Answer) -> dict[str, Any]:
    data = answer.body.get("data") if isinstance(answer.body, dict) else None
    return data if isinstance(data, dict) else {}


def _errors(answer: Answer) -> list[dict[str, Any]]:
    errors = answer.body.get("errors") if isinstance(answer.body, dict) else None
    return [error for error in errors if isinstance(error, dict)] if isinstance(errors, list) else []


def _error_messages(answer: Answer) -> list[str]:
    return [str(error.get("message") or "an error without a message") for error in _errors(answer)]


def _messages(answer: Answer) -> str:
    return "; ".join(_error_messages(answer)[:_MAX_MESSAGES])


def _authorization_errors(answer: Answer) -> list[str]:
    """Messages of errors Centra marks as authorization failures (AUTH: ``extensions.category``)."""
    return [
        str(error.get("message") or "authorization error")
        for error in _errors(answer)
        if isinstance(error.get("extensions"), dict) and error["extensions"].get("category") == _AUTHORIZATION
    ]


def _permissions_used(answer: Answer) -> str:
    extensions = answer.body.get("extensions") if isinstance(answer.body, dict) else None
    used = extensions.get("permissionsUsed") if isinstance(extensions, dict) else None
    if isinstance(used, list):
        return ", ".join(sorted(str(item) for item in used))
    return ""
