"""Packages that name their modules' classes import each module on first use (PEP 562), not all at import.

A function then loads only the modules it reads (issue 18, cold start). A name must still resolve to its home's
object, also once every module of the package is loaded (a module named like a name would shadow it).
"""

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

LAZY_PACKAGES = (
    "engage_bridge.centra",
    "engage_bridge.consent",
    "engage_bridge.engage.models",
    "engage_bridge.environment",
    "engage_bridge.mapping",
    "engage_bridge.messages",
    "engage_bridge.reconcile",
    "engage_bridge.routing",
)
LAYER = Path(__file__).parents[2] / "layers/common"


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_every_name_resolves_to_its_home_once_every_module_is_loaded(name: str) -> None:
    package = importlib.import_module(name)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{name}.{module.name}")

    for exported in package.__all__:
        home = importlib.import_module(f"{name}.{package._HOMES[exported]}")
        assert getattr(package, exported) is getattr(home, exported), exported
    with pytest.raises(AttributeError, match="no attribute 'Nonexistent'"):
        _ = package.Nonexistent


def _loaded_after(code: str) -> set[str]:
    run = subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        env={"PYTHONPATH": str(LAYER)},
        capture_output=True,
        text=True,
        check=True,
    )
    return set(run.stdout.split())


def test_a_message_loads_only_the_centra_models_and_engage_bodies_it_carries() -> None:
    loaded = _loaded_after(
        "from engage_bridge.messages import StockUpdate\nfrom engage_bridge.engage.models import StockLevel"
    )

    assert {
        "engage_bridge.messages.stock",
        "engage_bridge.centra.stock",
        "engage_bridge.engage.models.inventory",
    } <= loaded
    assert not loaded & {
        "engage_bridge.messages.orders",
        "engage_bridge.messages.contacts",
        "engage_bridge.centra.order",
        "engage_bridge.centra.customer",
        "engage_bridge.engage.models.orders",
        "engage_bridge.engage.models.contacts",
    }


def test_one_mapping_function_does_not_load_the_plan_of_every_body() -> None:
    loaded = _loaded_after("from engage_bridge.mapping import contact_role")

    assert "engage_bridge.mapping.roles" in loaded
    assert not loaded & {
        "engage_bridge.mapping.plan",
        "engage_bridge.mapping.orders",
        "engage_bridge.mapping.receipts",
        "engage_bridge.mapping.contacts",  # the Engage contact bodies: a customer's role needs none
        "engage_bridge.engage.models.contacts",
    }
