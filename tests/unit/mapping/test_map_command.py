"""``engage-bridge map``: one request per line on stdout; errors on stderr with exit status 2."""

import json
from pathlib import Path

import pytest

from engage_bridge_tools.cli import main
from tests.unit.mapping.builders import order_document

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "centra"


@pytest.fixture
def brand(tmp_path: Path) -> Path:
    path = tmp_path / "brand.json"
    path.write_text(
        json.dumps(
            {
                "engage": {"base_url": "https://brand.staging.voyado.com", "api_key_secret": "engage/api-key"},
                "store_external_id": "centra.com",
                "contact_sync": "with_engage_id",
                "default_language": "sv-SE",
            }
        ),
        encoding="utf-8",
    )
    return path


def test_prints_the_requests_in_sending_order(brand: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["map", "--config", str(brand), str(FIXTURES / "order_receipts.json")])

    out, err = capsys.readouterr()
    requests = [json.loads(line) for line in out.splitlines()]
    assert (status, err) == (0, "")
    assert [(r["method"], r["path"], r["body"].get("orderStatus")) for r in requests] == [
        ("POST", "/api/v2/orders", "ORDER_CREATED"),
        ("POST", "/api/v2/orders", "ORDER_SHIPPED"),
        ("POST", "/api/v3/receipts", None),
        ("POST", "/api/v2/orders", "ORDER_RETURNED"),
        ("POST", "/api/v3/receipts", None),
    ]
    assert requests[2]["body"]["uniqueReceiptId"] == "189-1"


def test_contact_id_option_fills_receipts_of_members_without_one(
    brand: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    obj = tmp_path / "order.json"
    obj.write_text(json.dumps(order_document()), encoding="utf-8")
    brand.write_text(brand.read_text().replace("with_engage_id", "all"), encoding="utf-8")

    main(["map", "--config", str(brand), "--contact-id", "11111111-2222-3333-4444-555555555555", str(obj)])

    receipts = [json.loads(line)["body"] for line in capsys.readouterr().out.splitlines() if "receipts" in line]
    assert {r["contact"]["matchKey"] for r in receipts} == {"11111111-2222-3333-4444-555555555555"}


def test_kind_option_maps_a_document_without_typename(
    brand: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    obj = tmp_path / "stock.json"
    obj.write_text(json.dumps({"productSize": {"SKU": "A-1"}, "market": {"id": 4}, "freeToAllocateQuantity": 7}))

    status = main(["map", "--config", str(brand), "--kind", "stock_level", str(obj)])

    assert status == 0
    assert json.loads(capsys.readouterr().out)["body"] == [{"sku": "A-1", "quantity": 7, "externalId": "4"}]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"__typename": "Invoice"}), "__typename: unsupported type"),
        (json.dumps({**order_document(), "grandTotal": {"value": 1}}), "grandTotal.currency.code: missing"),
    ],
)
def test_errors_go_to_stderr_with_status_2(
    brand: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], document: str, message: str
) -> None:
    obj = tmp_path / "object.json"
    obj.write_text(document, encoding="utf-8")

    status = main(["map", "--config", str(brand), str(obj)])

    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert message in err


def test_a_bad_config_is_an_error_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "brand.json"
    bad.write_text("{}", encoding="utf-8")

    assert main(["map", "--config", str(bad), str(FIXTURES / "order_receipts.json")]) == 2
    assert "invalid brand configuration" in capsys.readouterr().err


def test_a_restricted_order_prints_nothing_and_says_why(
    brand: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = order_document()
    document["store"]["type"] = "WHOLESALE"
    obj = tmp_path / "order.json"
    obj.write_text(json.dumps(document), encoding="utf-8")

    status = main(["map", "--config", str(brand), str(obj)])

    out, err = capsys.readouterr()
    assert (status, out) == (0, "")
    assert "store_type" in err
