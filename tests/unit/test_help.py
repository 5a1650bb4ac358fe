"""``--help`` of every command and subcommand lists each option's default, and says what the command does."""

import argparse
from collections.abc import Iterator

import pytest

from engage_bridge_tools.cli import build_parser
from engage_bridge_tools.command_line import HelpFormatter


def _parsers(
    parser: argparse.ArgumentParser, path: str = "engage-bridge"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _parsers(child, f"{path} {name}")


PARSERS = dict(_parsers(build_parser()))


@pytest.mark.parametrize("path", sorted(PARSERS))
def test_help_lists_every_default(path: str) -> None:
    parser = PARSERS[path]
    text = "".join(parser.format_help().split())  # wrapping may break a long default anywhere

    assert parser.formatter_class is HelpFormatter
    for action in parser._actions:
        default = action.default
        if not action.option_strings or default in (None, "", argparse.SUPPRESS) or default is False:
            continue
        assert action.help, (path, action.dest)
        shown = ",".join(map(str, default)) if isinstance(default, list | tuple) else str(default)
        assert "default" in action.help or "".join(shown.split()) in text, (path, action.dest)
        assert "default" in (HelpFormatter("x")._get_help_string(action) or ""), (path, action.dest)


@pytest.mark.parametrize("command", ["backfill", "resend", "local invoke", "local serve", "reconcile", "replay"])
def test_operator_commands_describe_themselves(command: str) -> None:
    assert PARSERS[f"engage-bridge {command}"].description
