"""The bridge's Engage client against Engage's contract: every request it makes fits contract/engage/openapi.yaml.

The sandbox refuses what misses the contract, and ``check_logged`` reads its request log again against the same
document, so a path, a query parameter or a body field the evidence does not show fails here by name.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from engage_bridge_tools.sandbox import EngageSandbox
from engage_bridge_tools.sandbox.contract import check_logged
from tests.integration.conftest import EngageClientFactory

pytestmark = pytest.mark.integration

SEED001 = Path(__file__).resolve().parents[2] / "golden" / "seed001"


def _seed(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((SEED001 / f"{name}.json").read_text(encoding="utf-8"))
    return body


def test_every_request_of_the_client_fits_the_contract(
    engage_sandbox: EngageSandbox, engage_client_factory: EngageClientFactory
) -> None:
    client = engage_client_factory()
    assert client.find_contact_id("ada@example.com", "member") is None
    contact_id = client.create_contact(
        {"contactType": "member", "email": "ada@example.com", "firstName": "Ada", "mobilePhone": "+46701234567"},
        store_external_id="brand.com",
    )
    assert client.find_contact_id("ada@example.com", "member") == contact_id
    client.get_contact(contact_id)
    client.update_contact(contact_id, {"city": "Göteborg"})
    client.change_contact_type(contact_id, "contact")
    [batch] = client.bulk_create_contacts([{"email": "b@example.com"}], contact_type="member")
    client.bulk_contacts_status(batch)
    client.bulk_update_contacts([{"email": "b@example.com", "city": "Malmö"}], contact_type="member")
    client.post_order({**_seed("order_confirmation"), "language": "sv-SE"})
    receipt = _seed("purchase_receipt")
    client.post_receipt({**receipt, "contact": {"matchKey": contact_id, "matchKeyType": "contactId"}})
    client.redeem_promotion(engage_sandbox.seed_promotion("assignment-1"))
    client.update_stock_levels([{"sku": "SKU-1", "quantity": 3, "locale": "sv-SE", "externalId": "1"}])
    client.create_back_in_stock_subscription(contact_id, "SKU-1", "sv-SE", "1")

    requests = engage_sandbox.requests()
    assert [entry["status"] for entry in requests if entry["status"] >= 400] == [404]  # the first lookup only
    assert check_logged(requests) == []
