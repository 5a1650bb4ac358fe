"""Seeding back-in-stock subscriptions into the Engage sandbox, in process (no sockets)."""

import json

import pytest

from engage_bridge_tools.sandbox.app import SandboxApp
from engage_bridge_tools.sandbox.inventory import SeedError

HEADERS = {"apikey": "k", "content-type": "application/json"}


@pytest.fixture
def app() -> SandboxApp:
    return SandboxApp(api_key="k", rate_limit=None)


def _control(app: SandboxApp, body: object) -> tuple[int, object]:
    reply = app.handle("POST", "/_sandbox/seed", {}, json.dumps(body).encode()).reply
    return reply.status, reply.body


def test_subscriptions_name_their_contact_by_email_and_trigger_on_a_restock(app: SandboxApp) -> None:
    created = app.seed(
        {
            "contacts": [
                {"email": "Ada@Example.com", "contactType": "member"},
                {"email": "ada@example.com", "contactType": "contact"},
            ],
            "stock_levels": [{"sku": "SKU-1", "quantity": 0, "locale": "sv-SE", "externalId": "1"}],
            "back_in_stock_subscriptions": [
                {
                    "email": "ada@example.com",
                    "contactType": "member",
                    "sku": "SKU-1",
                    "locale": "sv-SE",
                    "externalId": "1",
                },
                {"email": "ada@example.com", "contactType": "member", "sku": "SKU-2", "locale": "sv-SE"},
            ],
        }
    )
    member_id = created["contacts"][0]
    state = app.state.snapshot()
    assert [s["contactId"] for s in state["subscriptions"].values()] == [member_id, member_id]
    assert list(state["subscriptions"]) == created["back_in_stock_subscriptions"]

    level = [{"sku": "SKU-1", "quantity": 3, "locale": "sv-SE", "externalId": "1"}]
    put = app.handle("PUT", "/api/v2/inventory/stock-levels/batch", HEADERS, json.dumps(level).encode()).reply
    state = app.state.snapshot()
    assert put.status == 200
    assert [(n["sku"], n["contactId"]) for n in state["back_in_stock_notifications"]] == [("SKU-1", member_id)]
    assert [s["sku"] for s in state["subscriptions"].values()] == ["SKU-2"]


def test_a_subscription_by_contact_id(app: SandboxApp) -> None:
    contact_id = app.seed({"contacts": [{"email": "a@b.se"}]})["contacts"][0]
    created = app.seed({"back_in_stock_subscriptions": [{"contactId": contact_id, "sku": "S", "locale": "en-GB"}]})
    subscription = app.state.subscriptions[created["back_in_stock_subscriptions"][0]]
    assert (subscription["contactId"], subscription["externalId"]) == (contact_id, None)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"email": "ada@example.com", "sku": "S", "locale": "sv-SE"}, r"\[0\]\.email: 2 contacts match"),
        ({"email": "nobody@example.com", "sku": "S", "locale": "sv-SE"}, r"\[0\]\.email: 0 contacts match"),
        ({"contactId": "nope", "sku": "S", "locale": "sv-SE"}, r"\[0\]\.contactId: no such contact"),
        ({"email": "ada@example.com", "contactType": "member", "locale": "sv-SE"}, r"\[0\]\.sku: required"),
        ({"sku": "S", "locale": "sv-SE"}, r"\[0\]: give contactId or email"),
    ],
)
def test_a_bad_subscription_is_refused_naming_the_entry_but_not_the_address(
    app: SandboxApp, entry: dict[str, str], message: str
) -> None:
    app.seed({"contacts": [{"email": "ada@example.com", "contactType": "member"}, {"email": "ada@example.com"}]})
    with pytest.raises(SeedError, match=message) as refused:
        app.seed({"back_in_stock_subscriptions": [entry]})
    assert "@" not in str(refused.value)

    status, body = _control(app, {"back_in_stock_subscriptions": [entry]})
    assert status == 400 and isinstance(body, dict) and body["errorCode"] == "InvalidSeed"
