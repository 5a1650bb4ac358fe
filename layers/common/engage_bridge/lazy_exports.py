"""A package's names imported from their own modules on first use (PEP 562).

A package ``__init__`` that imported every submodule would load them all into every function that reads one name:
with this, a function loads only the modules whose names it uses (issue 18, cold start).
"""

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """The package's module-level ``__getattr__``: ``homes`` maps each exported name to its submodule."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{home}"), name)

    return __getattr__
