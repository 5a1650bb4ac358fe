"""The ``engage-bridge`` command. Each subcommand lives in its own module and registers itself here."""

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Protocol

# Subcommand modules, each exposing ``register(subparsers)`` that sets ``func`` on its parser.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "engage_bridge_tools.centra_fake.command",
    "engage_bridge_tools.sandbox.cli",
    "engage_bridge_tools.map_command",
    "engage_bridge_tools.local.commands",
    "engage_bridge_tools.demo.command",
    "engage_bridge_tools.reconcile.command",
    "engage_bridge_tools.dlq.command",
    "engage_bridge_tools.backfill.command",
    "engage_bridge_tools.soak.command",
    "engage_bridge_tools.doctor.command",
)


class _Subparsers(Protocol):
    def add_parser(self, name: str, **kwargs: object) -> argparse.ArgumentParser: ...


Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="engage-bridge", description="Centra to Voyado Engage bridge tooling")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.func
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
