"""The id-free shop actions over HTTP: JSON keys of ``order_lines`` are strings, as for ``lines``."""

import httpx
import pytest

from tests.integration.centra.conftest import CentraFakeHandle

pytestmark = pytest.mark.integration


def test_a_scripted_return_needs_no_assigned_id(centra_fake: CentraFakeHandle) -> None:
    url = f"{centra_fake.url}/_fake"
    created = httpx.post(f"{url}/create-shipment", json={"order_number": 1005})
    completed = httpx.post(f"{url}/complete-shipment", json={"shipment_number": "1005-1"})
    registered = httpx.post(
        f"{url}/register-return", json={"shipment_number": "1005-1", "order_lines": {"8": 1}, "handling_fee": 49}
    )
    finished = httpx.post(f"{url}/complete-return", json={"order_number": 1005})
    both = httpx.post(f"{url}/complete-shipment", json={"shipment_id": 1, "shipment_number": "1005-1"})

    assert [r.status_code for r in (created, completed, registered, finished)] == [200, 200, 200, 200]
    assert completed.json()["isShipped"] is True
    assert registered.json()["lines"][0]["quantity"] == 1
    assert finished.json()["id"] == registered.json()["id"] and finished.json()["returnStatus"] == "COMPLETED"
    assert both.status_code == 400
