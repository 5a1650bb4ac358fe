"""What ``engage-bridge reconcile`` talks to: from a deployed stack (``--stack``), from flags, or both.

The stack gives the state table and ingest queue (outputs), and the Centra endpoint, Centra token secret and
brand configuration parameter (its parameters). A flag overrides what the stack says, and flags alone are
enough for a local set-up (the Centra fake and moto). ``CENTRA_TOKEN`` / ``ENGAGE_API_KEY`` in the environment
stand in for the secrets locally. Missing pieces are reported by the flag that would supply them.
"""

import argparse
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engage_bridge.centra.client import Token
from engage_bridge.centra.token import StoredCentraToken
from engage_bridge.config import BrandConfig, parse_config


class TargetError(Exception):
    """A target could not be found: names the flag or stack value that would supply it."""


@dataclass(frozen=True, slots=True)
class Targets:
    config: BrandConfig
    centra_url: str
    centra_token: Token
    state_table: str
    ingest_queue_url: str | None
    engage_requests_per_second: str | None = None  # the stack's EngageRequestsPerSecond, with --stack


def resolve(args: argparse.Namespace, session: Any) -> Targets:
    """``session`` is a boto3 session (or anything with ``client(name)``)."""
    stack = _stack(session, args.stack) if args.stack else {}
    centra_url = args.centra_url or stack.get("CentraGraphqlUrl")
    table = args.table or stack.get("StateTableName")
    token_secret = args.centra_token_secret or stack.get("CentraTokenSecretName")
    token: Token | None = os.environ.get("CENTRA_TOKEN") or (StoredCentraToken(token_secret) if token_secret else None)
    config = _config(args.config, stack.get("BrandConfigParameterName"), session)
    for value, source in (
        (centra_url, "--centra-url (or --stack)"),
        (table, "--table (or --stack)"),
        (token, "--centra-token-secret or CENTRA_TOKEN (or --stack)"),
    ):
        if not value:
            raise TargetError(f"missing {source}")
    queue = args.ingest_queue_url or stack.get("IngestQueueUrl")
    if args.fix and not queue:
        raise TargetError("--fix needs --ingest-queue-url (or --stack)")
    assert centra_url and table and token  # noqa: S101 - checked above, for mypy
    return Targets(config, centra_url, token, table, queue, stack.get("EngageRequestsPerSecond"))


def _stack(session: Any, name: str) -> dict[str, str]:
    """The stack's parameters and outputs, by name (outputs win: they are what was actually created)."""
    from botocore.exceptions import ClientError  # noqa: PLC0415 - only with --stack

    try:
        found = session.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as error:
        raise TargetError(f"--stack {name}: {error.response.get('Error', {}).get('Message', error)}") from None
    values = {p["ParameterKey"]: p.get("ParameterValue", "") for p in found.get("Parameters", [])}
    values.update({o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])})
    return values


def _config(path: Path | None, parameter: str | None, session: Any) -> BrandConfig:
    if path is not None:
        try:
            return parse_config(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise TargetError(f"--config {path}: {error.strerror}") from None
    if not parameter:
        raise TargetError("missing --config (or --stack)")
    answer = session.client("ssm").get_parameter(Name=f"/{parameter.lstrip('/')}", WithDecryption=True)
    return parse_config(answer["Parameter"]["Value"])
