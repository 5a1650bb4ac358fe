"""Backfill tooling: the ``engage-bridge backfill`` command and a generated shop history for tests and benchmarks."""
