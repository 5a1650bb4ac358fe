"""Where the functions' stdout goes locally (their log lines and EMF metrics): a file, as CloudWatch Logs would.

The terminal is left for the command's own progress and summary. The file is also what the figures read:
metrics are parsed back out of it (``emf_metrics``), and its size stands in for CloudWatch log bytes.
"""

import json
import logging
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any, TextIO

from engage_bridge.observability import logger


@contextmanager
def function_output_to(path: Path) -> Iterator[TextIO]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logger.registered_handler
    # The runtime's own notes (a function error, a batch returned to its queue) go where Lambda puts them: the log.
    runtime_log = logging.getLogger("engage_bridge_tools.local")
    with path.open("w", encoding="utf-8") as sink, redirect_stdout(sink):
        previous = handler.setStream(sink) if hasattr(handler, "setStream") else None
        runtime_handler = logging.StreamHandler(sink)
        runtime_log.addHandler(runtime_handler)
        runtime_log.propagate = False
        try:
            yield sink
        finally:
            runtime_log.removeHandler(runtime_handler)
            runtime_log.propagate = True
            if previous is not None and hasattr(handler, "setStream"):
                handler.setStream(previous)
            sys.stdout.flush()


def emf_metrics(lines: Iterable[str]) -> Iterator[tuple[str, dict[str, str], float]]:
    """(metric name, dimensions, value) for every metric in the Embedded Metric Format lines among ``lines``."""
    for line in lines:
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        blob: dict[str, Any] = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            dimensions = {name: str(blob[name]) for group in directive["Dimensions"] for name in group if name in blob}
            for metric in directive["Metrics"]:
                values = blob[metric["Name"]]
                for value in values if isinstance(values, list) else [values]:
                    yield metric["Name"], dimensions, float(value)


def totals_by_reason(lines: Iterable[str], metric_name: str) -> dict[str, int]:
    """Sum of ``metric_name`` per reason, e.g. every skip by why: each document's ``counts.<name>.<reason>``
    (``engage_bridge.observability``: reasons are properties of the document, not metric dimensions)."""
    counted: Counter[str] = Counter()
    for line in lines:
        if not line.startswith("{") or '"counts"' not in line:
            continue
        blob: dict[str, Any] = json.loads(line)
        for reason, value in (blob.get("counts") or {}).get(metric_name, {}).items():
            counted[reason or "unspecified"] += int(value)
    return dict(counted.most_common())
