"""Benchmarks behind ``make bench``. Each section module exposes ``run() -> dict`` of named figures."""
