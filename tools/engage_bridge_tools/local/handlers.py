"""Import a function's handler module the way Lambda does: its own module, its environment already set."""

import importlib.util
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engage_bridge_tools.local.template import FunctionSpec

Handler = Callable[[dict[str, Any], Any], Any]

# The process has one environment; cold starts that set it take turns.
_COLD_START = threading.Lock()


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


def load_entry(code_dir: Path, handler: str, module_name: str) -> Handler:
    """Execute ``code_dir``'s handler module afresh (a cold start) and return its handler function."""
    module_file, attribute = handler.rsplit(".", 1)
    path = code_dir / f"{module_file.replace('.', '/')}.py"
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    entry: Handler = getattr(module, attribute)
    return entry


def cold_start(code_dir: Path, handler: str, module_name: str, variables: Mapping[str, str]) -> Handler:
    """``load_entry`` with the function's environment set, one cold start at a time.

    The variables stay set afterwards, as in a Lambda container, for code that reads them per invocation.
    One process holds every function's variables: where two functions set one name differently, the latest
    cold start's value is what a late reader sees, which is why the bridge reads its variables at cold start.
    """
    with _COLD_START:
        os.environ.update(variables)
        return load_entry(code_dir, handler, module_name)


def load_handler(spec: FunctionSpec) -> Handler:
    """The handler of a template function, loaded in the current environment."""
    return load_entry(spec.code_dir, f"{spec.module}.{spec.attribute}", f"lambda_{spec.name}")
