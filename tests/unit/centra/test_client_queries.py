"""Every document the Centra client sends validates against the fake's schema (Centra's contract here)."""

import pytest
from graphql import GraphQLSchema, build_schema, parse, validate

from engage_bridge.centra import queries
from engage_bridge_tools.centra_fake.graphql_api import SCHEMA_PATH


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(queries.ALL_DOCUMENTS))
def test_document_validates(schema: GraphQLSchema, name: str) -> None:
    errors = validate(schema, parse(queries.ALL_DOCUMENTS[name]))

    assert [error.message for error in errors] == []


def test_every_query_selects_an_order_through_the_one_fragment() -> None:
    order_documents = [queries.ORDER, queries.SHIPMENT_ORDER, queries.RETURN_ORDER, queries.ORDERS_CREATED_BETWEEN]

    for document in order_documents:
        assert "...OrderFields" in document
        assert document.count("fragment OrderFields on Order") == 1


def test_events_select_only_the_objects_asked_for() -> None:
    customers_only = queries.events_document(["Customer"])

    assert "customer: object" in customers_only
    assert "order: object" not in customers_only
    assert "fragment OrderFields" not in customers_only
    assert queries.event_aliases(["Shipment", "Return", "Order"]) == ("order",)
    assert queries.event_aliases(["Warehouse"]) == ()
