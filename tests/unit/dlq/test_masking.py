"""Personal data stays out of what the dlq command prints unless --reveal asks for it."""

import json

from engage_bridge.pii import email_ref
from engage_bridge_tools.dlq.masking import MASK, mask_body, mask_text


def test_a_queued_orders_personal_fields_are_masked_and_the_rest_kept() -> None:
    body = json.dumps(
        {
            "order": {
                "number": 2348981,
                "customer": {"email": "Anna@Example.com", "first_name": "Anna", "phone_number": "+46701234567"},
                "billing_address": {"firstName": "Anna", "address1": "Storgatan 1", "zipCode": "11122", "city": "Umeå"},
                "lines": [{"product_name": "Wool coat", "quantity": 1}],
            },
            "business_key": "order:2348981:email:created:paid",
        }
    )

    masked = json.loads(mask_body(body))

    customer = masked["order"]["customer"]
    assert customer == {"email": email_ref("Anna@Example.com"), "first_name": MASK, "phone_number": MASK}
    assert masked["order"]["billing_address"] == {
        "firstName": MASK,
        "address1": MASK,
        "zipCode": MASK,
        "city": MASK,
    }
    assert masked["order"]["lines"] == [{"product_name": "Wool coat", "quantity": 1}]
    assert masked["business_key"] == "order:2348981:email:created:paid"
    assert "Anna" not in mask_body(body)


def test_empty_personal_fields_stay_empty_so_missing_data_is_visible() -> None:
    masked = json.loads(mask_body(json.dumps({"customer": {"email": None, "first_name": ""}})))

    assert masked == {"customer": {"email": None, "first_name": ""}}


def test_email_addresses_in_free_text_and_non_json_bodies_are_masked() -> None:
    assert mask_text("Contact anna.l+shop@example.co.uk already exists") == (
        f"Contact {email_ref('anna.l+shop@example.co.uk')} already exists"
    )
    assert "bo@example.com" not in mask_body("not json, bo@example.com")
