"""Mapping throughput for a 10-line order: Centra model -> Engage JSON body, per body kind.

Each figure is the median over batches timed with ``time.perf_counter``; a batch is long enough (~20 ms) that
timer resolution does not matter. Parsing the Centra JSON into models is measured separately.
"""

import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from engage_bridge.centra import Order, parse_centra_object
from engage_bridge.config import BrandConfig, parse_config
from engage_bridge.mapping import order_created, order_shipped, purchase_receipt, return_receipt

ORDER_LINES = 10
BATCHES = 40
BATCH_SECONDS = 0.02
MEMBER_ID = "fd927adf-f4e0-4737-8fbe-abf900adce2c"


def run() -> dict[str, Any]:
    document = ten_line_order()
    order = parse_centra_object(document)
    assert isinstance(order, Order)  # noqa: S101 - the document above is an order
    cfg = _config()
    shipment, returned = order.shipments[0], order.returns[0]
    cases: dict[str, Callable[[], object]] = {
        "parse_order_json": lambda: parse_centra_object(document),
        "order_confirmation": lambda: order_created(order, cfg).body(),
        "order_shipped": lambda: order_shipped(order, shipment, cfg).body(),
        "purchase_receipt": lambda: purchase_receipt(order, shipment, cfg, MEMBER_ID).body(),
        "return_receipt": lambda: return_receipt(order, returned, cfg, MEMBER_ID).body(),
    }
    figures = {name: _measure(call) for name, call in cases.items()}
    return {"order_lines": ORDER_LINES, "batches": BATCHES, "figures": figures}


def _measure(call: Callable[[], object]) -> dict[str, float | int]:
    per_batch = _calibrate(call)
    samples = []
    for _ in range(BATCHES):
        start = time.perf_counter()
        for _ in range(per_batch):
            call()
        samples.append((time.perf_counter() - start) / per_batch)
    median = statistics.median(samples)
    return {
        "median_us": round(median * 1e6, 1),
        "per_second": round(1 / median),
        "calls_per_batch": per_batch,
    }


def _calibrate(call: Callable[[], object]) -> int:
    call()  # warm up caches before timing
    start = time.perf_counter()
    for _ in range(10):
        call()
    once = max((time.perf_counter() - start) / 10, 1e-7)
    return max(1, int(BATCH_SECONDS / once))


def _config() -> BrandConfig:
    return parse_config(
        {
            "engage": {"base_url": "https://bench.staging.voyado.com", "api_key_secret": "bench/api-key"},
            "store_external_id": "{market}",
            "default_market": "Sweden",
            "default_language": "sv-SE",
        }
    )


def ten_line_order() -> dict[str, Any]:
    """A DTC order with 10 discounted lines, one shipment with all of them, and a return of all of them."""

    def money(value: Decimal) -> dict[str, Any]:
        return {"value": float(value), "currency": {"code": "SEK"}}

    lines = [
        {
            "id": 100 + n,
            "size": "M",
            "productNumber": f"P{n:03d}",
            "productName": f"Product {n}",
            "productVariantName": "Blue",
            "quantity": 2,
            "unitOriginalPrice": money(Decimal("499.00")),
            "unitPrice": money(Decimal("399.00")),
            "lineValue": money(Decimal("798.00")),
            "taxPercent": 25.0,
            "productSize": {"SKU": f"P{n:03d}-BLUE-M"},
            "category": {"name": "shop"},
        }
        for n in range(ORDER_LINES)
    ]
    address = {
        "firstName": "Bench",
        "lastName": "Mark",
        "address1": "Gatan 1",
        "city": "Stockholm",
        "zipCode": "11122",
        "country": {"name": "Sweden", "code": "SE"},
        "email": "bench@example.com",
        "phoneNumber": "+46701234567",
    }
    return {
        "__typename": "DirectToConsumerOrder",
        "number": 5000,
        "status": "SHIPPED",
        "createdAt": "2024-03-01T10:00:00+01:00",
        "store": {"id": 1, "name": "Retail", "type": "DIRECT_TO_CONSUMER"},
        "market": {"id": 1, "name": "Sweden"},
        "currencyBaseRate": 1,
        "grandTotal": money(Decimal("7980.00")),
        "totals": {"shipping": money(Decimal("49.00")), "handling": money(Decimal(0))},
        "paymentMethod": {"name": "Credit Card", "plugin": "Adyen"},
        "paymentHistory": [{"id": 1, "createdAt": "2024-03-01T10:00:05+01:00", "status": "SUCCESS"}],
        "lines": lines,
        "billingAddress": address,
        "shippingAddress": address,
        "customer": {"id": 1, "email": "bench@example.com", "registered": True, "newsletter": True},
        "shipments": [
            {
                "id": 1,
                "number": "5000-1",
                "createdAt": "2024-03-02T09:00:00+01:00",
                "shippedAt": "2024-03-02T15:00:00+01:00",
                "lines": [{"id": 200 + n, "quantity": 2, "orderLine": {"id": 100 + n}} for n in range(ORDER_LINES)],
            }
        ],
        "returns": [
            {
                "id": 1,
                "returnStatus": "COMPLETED",
                "createdAt": "2024-03-10T12:00:00+01:00",
                "lines": [{"id": 300 + n, "quantity": 1, "shipmentLine": {"id": 200 + n}} for n in range(ORDER_LINES)],
            }
        ],
    }
