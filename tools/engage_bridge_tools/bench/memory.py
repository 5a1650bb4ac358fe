"""Memory of each function against its ``MemorySize``: is a smaller size safe?

Lambda reports a container's peak memory (``Max Memory Used``); here two parts of it are measured per function:

- ``import_peak_rss_mb``: the peak resident set size (``VmHWM`` on Linux) of a fresh interpreter that has
  run ``import app`` in a Lambda-like tree (``python -S``, only the layer and the function's folder, as in
  ``cold_import``): the interpreter, the dependencies and the module-level set-up a warm container keeps;
- ``invocation_heap_peak_mb``: the peak of Python allocations (``tracemalloc``) from the function's cold start in
  the local runtime through two runs of its sample event (``events/<code folder>.json``): the handler's import,
  the clients its first run creates and keeps, a warm run. It counts the handler's import a second time, and the
  work moto does in the same process to answer its AWS calls, so it over-counts (an upper bound).

Their sum is compared with the template's ``MemorySize``. Not included: the Lambda runtime interface client in
the same process, and the TLS context of the first HTTPS request (the local endpoints are plain HTTP).
"""

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from engage_bridge_tools.bench.aws_cost import function_facts
from engage_bridge_tools.bench.cold_import import _lambda_tree, _python, example_config_file, function_environment
from engage_bridge_tools.local.template import REPO, functions, load_template

EVENTS = REPO / "events"
MB = 1024 * 1024
# VmHWM, the peak resident set of this process's own memory: Linux's ``ru_maxrss`` keeps, across the ``exec`` that
# starts the interpreter, the peak of the process it was forked from (a bench process of 370 MB read as 367.6 MB for
# every function). Elsewhere ``ru_maxrss`` is all there is.
_IMPORT_RSS = (
    "import resource, sys; import app\n"
    "try:\n"
    "    hwm = [line for line in open('/proc/self/status') if line.startswith('VmHWM:')][0]\n"
    "    print(int(hwm.split()[1]) / 1024)\n"
    "except OSError:\n"
    "    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "    print(rss / 1024 if sys.platform != 'darwin' else rss / 1024 / 1024)"
)
_INVOCATION_HEAP = (
    "import json, sys, tempfile, tracemalloc\n"
    "from pathlib import Path\n"
    "from engage_bridge_tools.local.invoke import invoke, invoke_options\n"
    "from engage_bridge_tools.local.session import local_session\n"
    "from engage_bridge_tools.local.commands import EXAMPLE_CONFIG, brand_config\n"
    "name, event = sys.argv[1], json.loads(Path(sys.argv[2]).read_text())\n"
    "with tempfile.TemporaryDirectory() as folder:\n"
    "    with local_session(invoke_options(brand_config(EXAMPLE_CONFIG), Path(folder) / 'f.log')) as session:\n"
    "        tracemalloc.start()  # the cold start, a first run (its clients stay) and a warm one\n"
    "        invoke(session, name, event); invoke(session, name, event); peak = tracemalloc.get_traced_memory()[1]\n"
    "print(peak / 1048576)"
)


def run() -> dict[str, Any]:
    template = load_template()
    specs = functions(template)
    facts = function_facts(template)
    results: dict[str, Any] = {"functions": {}}
    with tempfile.TemporaryDirectory() as scratch:
        config_file = example_config_file(Path(scratch))
        tree = _lambda_tree(Path(scratch) / "plain", specs)
        for name, spec in specs.items():
            env = function_environment(spec, template, config_file)
            figures: dict[str, Any] = {"memory_size_mb": facts[spec.logical_id].memory_mb}
            try:
                figures["import_peak_rss_mb"] = round(float(_python(tree, name, env, [_IMPORT_RSS])), 1)
            except RuntimeError as failed:
                figures["import_failed"] = str(failed).splitlines()[-1][:300]
            heap = _invocation_heap_mb(name)
            if heap is not None:
                figures["invocation_heap_peak_mb"] = heap
            if heap is not None and "import_peak_rss_mb" in figures:
                used = figures["import_peak_rss_mb"] + heap
                figures["estimated_max_memory_used_mb"] = round(used, 1)
                figures["share_of_memory_size"] = round(used / figures["memory_size_mb"], 2)
            results["functions"][spec.logical_id] = figures
    return results


def _invocation_heap_mb(name: str) -> float | None:
    """Peak traced allocations of one warm invocation of the sample event, or None without a sample."""
    event = EVENTS / f"{name}.json"
    if not event.exists():
        return None
    out = subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", _INVOCATION_HEAP, name, str(event)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    if out.returncode != 0:
        return None
    return round(float(out.stdout.strip().splitlines()[-1]), 1)
