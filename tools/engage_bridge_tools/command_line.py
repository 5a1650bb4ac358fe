"""What every ``engage-bridge`` command shares: help that lists defaults, and one line for an operator's mistake.

An operator error is something the person at the terminal can fix: no AWS credentials, a stack or queue that is
not there, a tenant that does not answer, a file that cannot be read or does not validate. The CLI entry turns
each into one line naming the problem and exit status 2, whichever command raised it, so a command's exit 1 keeps
its documented meaning (reconcile: drift; replay: dead letters) and a cron job never takes an outage for one.
Anything else is a bug and keeps its traceback.
"""

import argparse
import errno
import json
from typing import Any

import httpx
import pydantic
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)

from engage_bridge.errors import ConfigError

OPERATOR_ERROR = 2


class OperatorError(Exception):
    """A problem the operator can fix; the message is the one line the CLI prints."""


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Descriptions as written (they hold lists), and every option's default after its help."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if "default" in text or not _shows(default) or not action.option_strings:
            return text
        if isinstance(default, list | tuple):
            shown = ",".join(str(item) for item in default)
            return f"{text} (default: {shown})".strip()
        return f"{text} (default: %(default)s)".strip()


class BridgeArgumentParser(argparse.ArgumentParser):
    """Every parser of the command, subcommands included, formats help with ``HelpFormatter``.

    An option declared without help still shows its default: help is what ``--help`` prints, and an operator
    should not have to read the source to learn what ``--port`` is when left out.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["formatter_class"] = HelpFormatter
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        if action.help is None and action.option_strings and _shows(action.default):
            action.help = "(default: %(default)s)"
        return action


def _shows(default: object) -> bool:
    """A default worth printing: not an unset option or an off switch (0 is a value, so no ``in`` test)."""
    return default is not None and default is not False and default != "" and default is not argparse.SUPPRESS


def operator_error_message(error: BaseException) -> str | None:  # noqa: PLR0911 - one answer per kind of mistake
    """The one line for an operator error, or None for anything else (a bug, which keeps its traceback)."""
    if isinstance(error, OperatorError | ConfigError):
        return str(error)
    if isinstance(error, NoCredentialsError | PartialCredentialsError | ProfileNotFound):
        return f"no usable AWS credentials ({error}); set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    if isinstance(error, NoRegionError):
        return "no AWS region; set AWS_REGION (or AWS_DEFAULT_REGION, or a profile's region)"
    if isinstance(error, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError):
        return f"AWS is unreachable: {error}"
    if isinstance(error, ClientError):
        return _aws_refusal(error)
    if isinstance(error, httpx.TransportError):
        url = error.request.url if _has_request(error) else "the endpoint"
        return f"cannot reach {url}: {error or type(error).__name__}"
    if isinstance(error, json.JSONDecodeError):
        return f"not valid JSON: {error.msg} at line {error.lineno}"
    if isinstance(error, pydantic.ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or error.title
        return f"invalid {error.title}: {where}: {first['msg']}"
    if isinstance(error, OSError) and error.errno == errno.EADDRINUSE:
        return f"address already in use ({error.strerror}); choose another --port"
    if isinstance(error, OSError) and error.filename is not None:
        return f"{error.filename}: {error.strerror}"
    if isinstance(error, ConnectionError):
        return f"cannot connect: {error}"
    return None


def _aws_refusal(error: ClientError) -> str:
    details = error.response.get("Error", {})
    code, message = details.get("Code", "Error"), details.get("Message", str(error))
    operation = error.operation_name
    if operation == "DescribeStacks" and "does not exist" in message:
        return f"stack not found: {message}"
    return f"AWS refused {operation}: {code}: {message}"


def _has_request(error: httpx.TransportError) -> bool:
    try:
        error.request  # noqa: B018 - httpx raises when the error was built without one
    except RuntimeError:
        return False
    return True
