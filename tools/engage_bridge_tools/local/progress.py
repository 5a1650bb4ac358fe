"""A one-line progress bar on stderr: records done out of done + still queued."""

import sys
import time
from typing import TextIO

from engage_bridge_tools.local.runtime import Progress


class ProgressBar:
    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30, min_interval: float = 0.2) -> None:
        self._label = label
        self._stream = stream or sys.stderr
        self._width = width
        self._min_interval = min_interval
        self._last = 0.0
        self._enabled = self._stream.isatty()

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self._last < self._min_interval:
            return
        self._last = now
        total = progress.processed + progress.pending
        share = progress.processed / total if total else 1.0
        filled = int(share * self._width)
        line = (
            f"\r{self._label} [{'#' * filled}{'.' * (self._width - filled)}] "
            f"{progress.processed} done, {progress.pending} queued, {progress.retried} retried"
        )
        if self._enabled:
            self._stream.write(line)
            self._stream.flush()

    def finish(self, progress: Progress) -> None:
        self._last = 0.0
        if self._enabled:
            self(progress)
            self._stream.write("\n")
        else:
            self._stream.write(f"{self._label}: {progress.processed} records processed, {progress.retried} retried\n")
        self._stream.flush()
