"""Import a function's handler module the way Lambda does: its own module, its environment already set."""

import importlib.util
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from engage_bridge_tools.local.template import FunctionSpec


@contextmanager
def environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Set ``variables`` for the duration of the block, restoring what was there before."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def load_handler(spec: FunctionSpec) -> Callable[[dict[str, Any], Any], Any]:
    """Execute the handler module afresh (a cold start) and return its handler function."""
    path = spec.code_dir / f"{spec.module}.py"
    module_spec = importlib.util.spec_from_file_location(f"lambda_{spec.name}", path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    handler: Callable[[dict[str, Any], Any], Any] = getattr(module, spec.attribute)
    return handler
