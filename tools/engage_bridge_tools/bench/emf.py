"""Custom metrics in a function log: the distinct CloudWatch metrics its Embedded Metric Format lines create.

CloudWatch bills a custom metric per month for each distinct namespace, metric name and set of dimension
values, however often it is written (the cost model's fixed part).
"""

import json
from collections.abc import Iterable


def custom_metrics(lines: Iterable[str]) -> set[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """(namespace, metric name, ((dimension, value), ...)) for every metric the EMF lines declare."""
    found = set()
    for line in lines:
        if '"_aws"' not in line:
            continue
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if not isinstance(document, dict) or not isinstance(document.get("_aws"), dict):
            continue
        for directive in document["_aws"].get("CloudWatchMetrics", []):
            for dimension_set in directive.get("Dimensions", []) or [[]]:
                dimensions = tuple(sorted((name, str(document.get(name, ""))) for name in dimension_set))
                for metric in directive.get("Metrics", []):
                    found.add((directive.get("Namespace", ""), metric["Name"], dimensions))
    return found
