"""The doctor's Centra checks against an in-process tenant built from the contract (no sockets)."""

from graphql import OperationDefinitionNode, OperationType, parse

from engage_bridge.centra.assumptions import ASSUMPTIONS
from engage_bridge.doctor.centra_checks import centra_checks
from engage_bridge.doctor.report import Check, Report, Status
from tests.unit.doctor.centra_support import ScriptedCentra, contract_schema

LISTENED = ["Customer", "NewsletterSubscription", "Order", "Return", "Shipment", "StockChange"]
DOCUMENTS = {
    "OrdersByNumber": "query OrdersByNumber($numbers: [Int!]!, $limit: Int) "
    "{ orders(where: {number: $numbers}, limit: $limit) { id number status isOnHold } }",
    "NewsletterSubscriptions": "query NewsletterSubscriptions($ids: [Int!]!) "
    "{ newsletterSubscriptions(where: {id: $ids}) { id email isActive country { code } } }",
    "Events": "query Events($where: EventFilter, $limit: Int!) "
    "{ events(where: $where, limit: $limit) { id objectType } }",
    "ConfirmEvents": "mutation ConfirmEvents($ids: [Int!]!) "
    "{ confirmEvents(input: {eventsIds: $ids}) { userErrors { message } } }",
}


def _run(centra: ScriptedCentra, documents: dict[str, str] = DOCUMENTS) -> dict[str, Check]:
    return {check.name: check for check in centra_checks(centra, documents, ASSUMPTIONS, LISTENED)}


def test_every_check_passes_on_the_contract_schema_and_mutations_are_never_sent() -> None:
    centra = ScriptedCentra(contract_schema())

    checks = _run(centra)

    failing = [check.line() for check in checks.values() if check.status is Status.FAIL]
    assert failing == []
    assert checks["centra.document.OrdersByNumber"].status is Status.PASS
    assert all(checks[f"centra.assumption.{a.coordinate}"].status is Status.PASS for a in ASSUMPTIONS)
    assert checks["centra.permission.OrdersByNumber"].status is Status.PASS
    assert checks["centra.permission.ConfirmEvents"].status is Status.CANNOT_CHECK
    for document, _ in centra.sent:
        operation = next(d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode))
        assert operation.operation is OperationType.QUERY


def test_read_documents_run_with_harmless_variables_the_schema_accepts() -> None:
    centra = ScriptedCentra(contract_schema())

    _run(centra)

    sent = {document.split("(")[0]: variables for document, variables in centra.sent}
    assert sent["query OrdersByNumber"] == {"numbers": [0], "limit": 1}
    assert sent["query Events"] == {"limit": 1}


def test_a_field_the_tenant_lacks_is_named_with_the_document_that_uses_it() -> None:
    centra = ScriptedCentra(contract_schema(without=("NewsletterSubscription.isActive",)))

    checks = _run(centra)

    failing = checks["centra.document.NewsletterSubscriptions"]
    assert failing.status is Status.FAIL
    assert "Cannot query field 'isActive' on type 'NewsletterSubscription'" in failing.reason
    assert checks["centra.document.OrdersByNumber"].status is Status.PASS
    assert checks["centra.permission.NewsletterSubscriptions"].status is Status.CANNOT_CHECK
    assert Report.of(checks.values()).exit_code == 1


def test_an_absent_assumption_names_the_alternative_the_tenant_has() -> None:
    schema = contract_schema(
        without=("Customer.receiveNewsletters",),
        sdl_edits={"attributes: [Attribute!]!\n  # two": "attributes: [Attribute!]! newsletter: Boolean!\n  # two"},
    )

    check = _run(ScriptedCentra(schema))["centra.assumption.Customer.receiveNewsletters"]

    assert check.status is Status.FAIL
    assert "newsletter (Customer.newsletter)" in check.reason
    assert "breaks: every order and customer document fails validation" in check.reason


def test_an_assumption_without_any_alternative_on_the_tenant_says_so() -> None:
    check = _run(ScriptedCentra(contract_schema(without=("Customer.registered",))))[
        "centra.assumption.Customer.registered"
    ]

    assert check.status is Status.FAIL
    assert "none of its alternatives" in check.reason


def test_a_permission_the_token_lacks_is_named() -> None:
    centra = ScriptedCentra(contract_schema(), denied={"OrdersByNumber": "Order:read"})

    check = _run(centra)["centra.permission.OrdersByNumber"]

    assert check.status is Status.FAIL
    assert "You need Order:read permission" in check.reason


def test_a_refused_token_fails_introspection_and_nothing_else_is_judged() -> None:
    checks = _run(ScriptedCentra(contract_schema(), status=401))

    assert checks["centra.introspection"].status is Status.FAIL
    assert "refused" in checks["centra.introspection"].reason
    others = [check for name, check in checks.items() if name != "centra.introspection"]
    assert others and all(check.status is Status.CANNOT_CHECK for check in others)


def test_queued_events_prove_the_events_system_is_on_and_none_cannot() -> None:
    quiet = _run(ScriptedCentra(contract_schema()))["centra.events-enabled"]
    busy = _run(ScriptedCentra(contract_schema(), root={"events": [{"id": 7}]}))["centra.events-enabled"]

    assert quiet.status is Status.CANNOT_CHECK
    assert "CSM" in quiet.reason
    assert busy.status is Status.PASS


def _listener(object_type: str) -> dict[str, object]:
    return {"integrationName": "brand-bridge", "objectType": object_type, "changeTypes": ["CREATED"]}


def test_listeners_on_types_the_bridge_never_reads_mean_a_shared_integration_name() -> None:
    root = {"eventListeners": [_listener("Order"), _listener("Product"), _listener("ProductVariant")]}

    check = _run(ScriptedCentra(contract_schema(), root=root))["centra.listeners"]

    assert check.status is Status.FAIL
    assert "Product, ProductVariant" in check.reason
    assert "brand-bridge" in check.reason


def test_listeners_of_the_bridge_alone_pass() -> None:
    root = {"eventListeners": [_listener(kind) for kind in LISTENED]}

    check = _run(ScriptedCentra(contract_schema(), root=root))["centra.listeners"]

    assert check.status is Status.PASS
    assert "brand-bridge" in check.reason


def test_a_variable_passed_as_a_limit_is_one_whatever_its_name() -> None:
    centra = ScriptedCentra(contract_schema())
    documents = {
        "Lines": "query Lines($events: Int!, $lineLimit: Int!, $ids: [Int!]!) { events(limit: $events, "
        "where: {storeId: $ids}) { object { ... on StockChange { lines(limit: $lineLimit) { id } } } } }"
    }

    checks = _run(centra, documents)

    assert checks["centra.permission.Lines"].status is Status.PASS
    sent = next(variables for document, variables in centra.sent if document.startswith("query Lines"))
    assert sent == {"events": 1, "lineLimit": 1, "ids": [0]}


def test_an_alternative_with_a_filter_counts_only_when_the_filter_has_its_fields() -> None:
    filter_sdl = "input ReturnFilter { customerId: [Int!] storeType: StoreType }"
    with_order_id = contract_schema(
        without=("Order.returns",),
        sdl_edits={filter_sdl: "input ReturnFilter { customerId: [Int!] storeType: StoreType orderId: [String!] }"},
    )
    without_order_id = contract_schema(without=("Order.returns",))

    found = _run(ScriptedCentra(with_order_id))["centra.assumption.Order.returns"]
    missing = _run(ScriptedCentra(without_order_id))["centra.assumption.Order.returns"]

    assert found.status is missing.status is Status.FAIL
    assert "returns(where: {orderId}) (Query.returns)" in found.reason
    assert "returns(where: {orderId})" not in missing.reason
    assert "Return.order via returns(where: {customerId}) (Return.order)" in missing.reason


def test_an_alternative_without_arguments_is_looked_for_on_the_assumptions_own_type_only() -> None:
    # Customer.receiveNewsletters lists "newsletterSubscriptions { isActive }", meant on Customer; the root
    # Query.newsletterSubscriptions (another assumption, present here) is not that alternative.
    check = _run(ScriptedCentra(contract_schema(without=("Customer.receiveNewsletters",))))[
        "centra.assumption.Customer.receiveNewsletters"
    ]

    assert check.status is Status.FAIL
    assert "Query.newsletterSubscriptions" not in check.reason
    assert "none of its alternatives" in check.reason


def test_a_valid_document_using_a_deprecated_field_passes_and_says_so() -> None:
    schema = contract_schema(
        sdl_edits={
            "isOnHold: Boolean store: Store market": 'isOnHold: Boolean @deprecated(reason: "Use holds") '
            "store: Store market"
        }
    )

    check = _run(ScriptedCentra(schema))["centra.document.OrdersByNumber"]

    assert check.status is Status.PASS
    assert "The field Order.isOnHold is deprecated. Use holds" in check.reason
