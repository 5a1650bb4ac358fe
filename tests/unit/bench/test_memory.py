"""The memory section's import peak is the child interpreter's own, whatever the bench process has grown to."""

import subprocess
import sys

from engage_bridge_tools.bench.memory import _IMPORT_RSS

PARENT_MB = 200


def test_a_childs_peak_does_not_carry_the_peak_of_the_process_that_started_it() -> None:
    grown = bytearray(PARENT_MB * 1024 * 1024)
    grown[::4096] = b"x" * len(grown[::4096])  # touched, so resident
    snippet = _IMPORT_RSS.replace("import app", "pass")  # the interpreter alone

    out = subprocess.run([sys.executable, "-S", "-c", snippet], capture_output=True, text=True, check=True)  # noqa: S603

    assert float(out.stdout.strip()) < PARENT_MB / 4
