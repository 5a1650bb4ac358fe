"""A Lambda-like code layout for import timing: the layer's packages in one folder, without bytecode.

``sam build`` ships no ``.pyc`` files and Lambda's filesystem is read-only, so a cold start compiles every
module it imports. The folder is assembled from the installed distributions the layer pins (same versions as
``layers/common/requirements.txt``), copied file by file without ``__pycache__``: offline, and for this
machine's architecture (the built layer holds arm64 binaries that cannot load here).
"""

import re
import shutil
from importlib import metadata
from pathlib import Path

from engage_bridge_tools.local.template import REPO

LAYER_REQUIREMENTS = REPO / "layers/common/requirements.txt"
_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==")


def layer_distributions() -> list[str]:
    return [m.group(1) for line in LAYER_REQUIREMENTS.read_text().splitlines() if (m := _PIN.match(line))]


def build_layer_folder(target: Path, *, exclude: frozenset[str] = frozenset()) -> Path:
    """Copy every layer distribution (but ``exclude``) and the engage_bridge package into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for name in layer_distributions():
        if name.lower() in exclude:
            continue
        distribution = metadata.distribution(name)
        for file in distribution.files or []:
            if "__pycache__" in file.parts or file.suffix == ".pyc" or str(file).startswith(".."):
                continue
            source = Path(str(distribution.locate_file(file)))
            if source.is_file():
                destination = target / file
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)
    shutil.copytree(
        REPO / "layers/common/engage_bridge",
        target / "engage_bridge",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        dirs_exist_ok=True,
    )
    return target
