"""Small, valid Centra documents and brand configurations that tests change one field at a time."""

import copy
from typing import Any

from engage_bridge.centra import Customer, NewsletterSubscription, Order, StockLevel, parse_centra_object
from engage_bridge.config import BrandConfig, parse_config

MEMBER_ID = "2e40b702-2767-4abe-ae99-aa510108e22b"


def money(value: float, currency: str = "SEK") -> dict[str, Any]:
    return {"value": value, "currency": {"code": currency}}


def address(country: str = "Sweden", code: str = "SE") -> dict[str, Any]:
    return {
        "firstName": "Astrid",
        "lastName": "Lindgren",
        "address1": "Drottninggatan 1",
        "address2": "",
        "city": "Stockholm",
        "zipCode": "11151",
        "stateOrProvince": "",
        "country": {"name": country, "code": code},
        "email": "astrid@example.com",
        "phoneNumber": "+46 70 123 45 67",
    }


def line(line_id: int, sku: str, *, quantity: int = 1, original: float = 100.0, paid: float = 100.0) -> dict[str, Any]:
    return {
        "id": line_id,
        "size": "M",
        "productNumber": sku.split("-", maxsplit=1)[0],
        "productName": f"Product {line_id}",
        "productVariantName": "Blue",
        "quantity": quantity,
        "cancelledQuantity": 0,
        "unitOriginalPrice": money(original),
        "unitPrice": money(paid),
        "lineValue": money(paid * quantity),
        "taxPercent": 25.0,
        "productSize": {"SKU": sku},
        "category": {"name": "shop"},
    }


def order_document() -> dict[str, Any]:
    """Order 500: two lines (one on sale), two shipments (the second not shipped yet), one completed return."""
    return copy.deepcopy(
        {
            "__typename": "DirectToConsumerOrder",
            "id": "abc123",
            "number": 500,
            "status": "PROCESSING",
            "createdAt": "2024-05-02T10:00:00+02:00",
            "store": {"id": 1, "name": "Retail", "type": "DIRECT_TO_CONSUMER"},
            "market": {"id": 1, "name": "Sweden"},
            "pricelist": {"id": 1, "name": "SEK"},
            "currencyBaseRate": 1,
            "grandTotal": money(329.0),
            "totals": {"shipping": money(49.0), "handling": money(0.0), "taxDeducted": money(0.0)},
            "shippingPriceGroup": {"shippingOption": {"name": "Postnord"}},
            "paymentMethod": {"name": "Credit Card", "plugin": "Adyen"},
            "paymentHistory": [{"id": 1, "status": "SUCCESS", "entryType": "AUTHORIZATION"}],
            "lines": [line(1, "A1-M", quantity=2, original=100.0, paid=80.0), line(2, "B2-M")],
            "billingAddress": address(),
            "shippingAddress": address(),
            "customer": {
                "id": 77,
                "email": "astrid@example.com",
                "firstName": "Astrid",
                "lastName": "Lindgren",
                "registered": True,
                "newsletter": False,
                "birthdate": "1907-11-14",
                "gender": "FEMALE",
            },
            "attributes": [],
            "shipments": [
                {
                    "id": 11,
                    "number": "500-1",
                    "createdAt": "2024-05-03T08:00:00+02:00",
                    "shippedAt": "2024-05-03T16:00:00+02:00",
                    "isShipped": True,
                    "trackingNumber": "TRACK1",
                    "lines": [{"id": 111, "quantity": 2, "orderLine": {"id": 1}}],
                },
                {
                    "id": 12,
                    "number": "500-2",
                    "createdAt": "2024-05-04T08:00:00+02:00",
                    "isShipped": False,
                    "lines": [{"id": 121, "quantity": 1, "orderLine": {"id": 2}}],
                },
            ],
            "returns": [
                {
                    "id": 9,
                    "returnStatus": "COMPLETED",
                    "createdAt": "2024-05-10T12:00:00+02:00",
                    "lines": [{"id": 91, "quantity": 1, "shipmentLine": {"id": 111}}],
                    "totals": {"shipping": money(0.0), "handling": money(-20.0)},
                }
            ],
        }
    )


def order(document: dict[str, Any] | None = None) -> Order:
    parsed = parse_centra_object(document if document is not None else order_document())
    assert isinstance(parsed, Order)
    return parsed


def customer(**changes: Any) -> Customer:
    document: dict[str, Any] = {
        "__typename": "Customer",
        "id": 77,
        "email": "astrid@example.com",
        "firstName": "Astrid",
        "lastName": "Lindgren",
        "birthdate": "1907-11-14",
        "gender": "FEMALE",
        "phoneNumber": "+46701234567",
        "registered": True,
        "newsletter": True,
        "billingAddress": address(),
        "attributes": [],
    }
    document.update(changes)
    parsed = parse_centra_object(document)
    assert isinstance(parsed, Customer)
    return parsed


def newsletter_subscription(**changes: Any) -> NewsletterSubscription:
    document: dict[str, Any] = {
        "__typename": "NewsletterSubscription",
        "id": 3,
        "email": "reader@example.com",
        "subscribed": True,
        "country": {"name": "Norway", "code": "NO"},
    }
    document.update(changes)
    parsed = parse_centra_object(document)
    assert isinstance(parsed, NewsletterSubscription)
    return parsed


def stock_level(quantity: int = 5, market_id: int = 2) -> StockLevel:
    parsed = parse_centra_object(
        {
            "__typename": "StockLevel",
            "productSize": {"SKU": "A1-M"},
            "market": {"id": market_id, "name": "Norway"},
            "freeToAllocateQuantity": quantity,
        }
    )
    assert isinstance(parsed, StockLevel)
    return parsed


def config(**changes: Any) -> BrandConfig:
    document: dict[str, Any] = {
        "engage": {"base_url": "https://brand.staging.voyado.com", "api_key_secret": "engage/api-key"},
        "store_external_id": "brand.com",
        "languages_by_market": {"Sweden": "sv-SE"},
        "default_language": "en-GB",
    }
    document.update(changes)
    return parse_config(document)


def contact_id_attribute(value: str = MEMBER_ID) -> list[dict[str, Any]]:
    return [{"type": {"name": "voyado_contact_id"}, "elements": [{"key": "text", "value": value}]}]
