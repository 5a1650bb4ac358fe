"""``engage-bridge doctor``: read-only go-live preflight against a brand's Centra and Engage tenants.

Run it against QA and Engage staging first, then against production (docs/go-live.md). It sends no mutation
to Centra and only GET requests to Engage. One line per check: PASS, FAIL or CANNOT CHECK with the reason.

Exit status: 0 when no check failed, 1 when one did, 2 when a tenant cannot be reached or the input is wrong.
Secrets come from the environment, as for ``engage-bridge local serve``: CENTRA_TOKEN (Integration API token)
and ENGAGE_API_KEY.

Its Engage GETs lease from the budget of the stack using the API key (--stack), last in line, as the daily
DoctorFunction's do: an Engage not on this machine needs --stack, or --outside-budget before any stack uses the
key (go-live) or when the stack's state table cannot be reached.
"""

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from engage_bridge.config import BrandConfig, parse_config
from engage_bridge.doctor.report import EXIT_UNREACHABLE, TenantUnreachable
from engage_bridge.doctor.run import run_doctor
from engage_bridge.doctor.transport import HttpEngage, HttpGraphQL
from engage_bridge.errors import ConfigError
from engage_bridge_tools.command_line import OperatorError
from engage_bridge_tools.engage_budget import (
    STACK_PARAMETER,
    OperatorLease,
    add_budget_arguments,
    lease_from,
    no_budget,
    operator_pace,
    stack_rate,
)


class _InputError(Exception):
    """The operator's input is wrong: one line, exit 2."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="read-only go-live preflight against the brand's Centra and Engage tenants",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, required=True, metavar="BRAND.json", help="brand configuration")
    parser.add_argument("--centra-url", help="Centra GraphQL endpoint, e.g. https://brand.centraqa.com/graphql")
    parser.add_argument("--engage-url", help="Engage base URL (default: engage.base_url of the configuration)")
    parser.add_argument("--skip", choices=("centra", "engage"), help="leave one tenant out")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--stack", metavar="NAME", help="the deployed stack whose Engage budget the GETs lease from")
    add_budget_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        config = _config(args.config)
        centra = None if args.skip == "centra" else _centra(args, config)
        engage = None if args.skip == "engage" else _engage(args, config)
    except _InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNREACHABLE
    try:
        report = run_doctor(centra, engage, config)
    except TenantUnreachable as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNREACHABLE
    finally:
        for client in (centra, engage):
            if client is not None:
                client.close()
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print("\n".join(report.lines()))
    return report.exit_code


def _config(path: Path) -> BrandConfig:
    try:
        return parse_config(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise _InputError(f"{path}: {error.strerror}") from None
    except ConfigError as error:
        raise _InputError(f"{path}: {error}") from None


def _secret(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise _InputError(f"{name} must be set in the environment")
    return value


def _url(value: str, option: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise _InputError(f"{option}: {value!r} is not an http(s) URL")
    return value


def _centra(args: argparse.Namespace, config: BrandConfig) -> HttpGraphQL:
    if not args.centra_url:
        raise _InputError("--centra-url is required (or --skip centra)")
    return HttpGraphQL(_url(args.centra_url, "--centra-url"), _secret("CENTRA_TOKEN"), brand=config.engage.user_agent)


def _engage(args: argparse.Namespace, config: BrandConfig) -> HttpEngage:
    url = _url(args.engage_url or str(config.engage.base_url), "--engage-url")
    api_key = _secret("ENGAGE_API_KEY")
    pace = operator_pace("doctor", url, args.outside_budget, lambda: _lease(args, url))
    return HttpEngage(url, api_key, brand=config.engage.user_agent, pace=None if pace is None else pace.acquire)


def _lease(args: argparse.Namespace, url: str) -> OperatorLease:
    """A lease on the budget of ``--stack``, described only when one is needed."""
    if not args.stack:
        raise no_budget(url)
    import boto3  # noqa: PLC0415 - only with a deployed stack

    from engage_bridge_tools.resend.request import stack_values  # noqa: PLC0415 - likewise

    session = boto3.session.Session()
    values = stack_values(session.client("cloudformation"), args.stack)
    table = values.get("StateTableName")
    if not table:
        raise OperatorError(f"stack {args.stack} has no output StateTableName")
    rate = stack_rate(values.get(STACK_PARAMETER), args.engage_requests_per_second)
    return lease_from(session.client("dynamodb"), table, rate)
