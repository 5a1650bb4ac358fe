"""The doctor's one-relay check (seed 004, "Using multiple brands"), against the contract schema in process."""

from engage_bridge.doctor.report import Status
from engage_bridge.doctor.run import run_doctor
from engage_bridge.doctor.stock_relay import CHECK, stock_relay_check
from tests.unit.doctor.centra_support import ScriptedCentra, contract_schema
from tests.unit.mapping.builders import config

LISTENERS = {"eventListeners": [{"integrationName": "Voyado_Integration_BrandX", "objectType": "StockChange"}]}
WAREHOUSES = {"warehouses_by_market": {"1": [101]}}


def test_a_running_relay_asks_a_person_whether_voyados_integration_shares_its_name() -> None:
    centra = ScriptedCentra(contract_schema(), root=LISTENERS)

    check = stock_relay_check(centra, config(back_in_stock=WAREHOUSES))

    assert check.status is Status.CANNOT_CHECK
    assert "Voyado_Integration_BrandX" in check.reason
    assert "relay_stock_levels" in check.reason


def test_with_the_relay_off_the_check_passes_and_still_names_the_integration() -> None:
    centra = ScriptedCentra(contract_schema(), root=LISTENERS)

    check = stock_relay_check(centra, config(back_in_stock={**WAREHOUSES, "relay_stock_levels": False}))

    assert check.status is Status.PASS
    assert "off" in check.reason and "Voyado_Integration_BrandX" in check.reason


def test_a_relay_with_no_warehouses_sends_nothing_and_passes() -> None:
    check = stock_relay_check(ScriptedCentra(contract_schema(), root=LISTENERS), config())

    assert check.status is Status.PASS


def test_the_check_is_part_of_every_doctor_run_with_centra() -> None:
    report = run_doctor(ScriptedCentra(contract_schema(), root=LISTENERS), None, config(back_in_stock=WAREHOUSES))

    assert [check.status for check in report.checks if check.name == CHECK] == [Status.CANNOT_CHECK]
