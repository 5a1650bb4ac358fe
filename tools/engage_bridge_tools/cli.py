"""The ``engage-bridge`` command. Each subcommand lives in its own module and registers itself here.

Every parser lists its options' defaults in ``--help``, and an operator error raised by any command (no
credentials, stack not found, tenant unreachable, invalid file or configuration) is printed as one line with
exit status 2, here rather than in each command (``command_line``).
"""

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Protocol

from engage_bridge_tools.command_line import OPERATOR_ERROR, BridgeArgumentParser, operator_error_message

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
    "engage_bridge_tools.resend.command",
    "engage_bridge_tools.doctor.command",
)


class _Subparsers(Protocol):
    def add_parser(self, name: str, **kwargs: object) -> argparse.ArgumentParser: ...


Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = BridgeArgumentParser(prog="engage-bridge", description="Centra to Voyado Engage bridge tooling")
    subparsers = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=BridgeArgumentParser
    )
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.func
    try:
        return handler(args)
    except Exception as error:
        message = operator_error_message(error)
        if message is None:
            raise
        print(f"engage-bridge {args.command}: {message}", file=sys.stderr)
        return OPERATOR_ERROR


if __name__ == "__main__":
    sys.exit(main())
