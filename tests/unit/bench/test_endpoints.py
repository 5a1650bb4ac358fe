"""Logged Engage requests are named by endpoint, ids replaced by the template's placeholder."""

import pytest

from engage_bridge_tools.bench.endpoints import endpoint


@pytest.mark.parametrize(
    ("method", "path", "name"),
    [
        ("GET", "/api/v3/contacts/id", "GET /api/v3/contacts/id"),
        ("POST", "/api/v3/contacts", "POST /api/v3/contacts"),
        ("PATCH", "/api/v3/contacts/5f1c", "PATCH /api/v3/contacts/{contactId}"),
        ("POST", "/api/v3/contacts/5f1c/updateContactType", "POST /api/v3/contacts/{contactId}/updateContactType"),
        ("POST", "/api/v3/contacts/bulk", "POST /api/v3/contacts/bulk"),
        (
            "POST",
            "/api/v3/promotion-assignments/a%2Fb/redeem",
            "POST /api/v3/promotion-assignments/{assignmentId}/redeem",
        ),
        ("POST", "/api/v2/orders", "POST /api/v2/orders"),
    ],
)
def test_endpoint_names(method: str, path: str, name: str) -> None:
    assert endpoint(method, path) == name
