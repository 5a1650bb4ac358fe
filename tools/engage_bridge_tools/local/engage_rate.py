"""The Engage request rate a run produced, from the sandbox's request log (each entry stamped on arrival)."""

from collections.abc import Sequence
from typing import Any


def peak_requests_per_second(requests: Sequence[dict[str, Any]], window: float = 1.0) -> int:
    """The most requests that arrived within any ``window`` seconds (a sliding window, as Engage counts)."""
    stamps = sorted(float(request["at"]) for request in requests)
    peak, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= window:
            start += 1
        peak = max(peak, end - start + 1)
    return peak


def mean_requests_per_second(requests: Sequence[dict[str, Any]]) -> float:
    stamps = sorted(float(request["at"]) for request in requests)
    if len(stamps) < 2:  # a rate needs two arrivals
        return 0.0
    return (len(stamps) - 1) / (stamps[-1] - stamps[0]) if stamps[-1] > stamps[0] else 0.0
