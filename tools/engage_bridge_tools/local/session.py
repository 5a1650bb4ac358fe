"""One local run: moto for AWS, the Engage sandbox and the Centra fake (or real endpoints), the stack, the runtime.

``local_session`` is the context every local command (demo, replay, serve) and the end-to-end tests use.
"""

import json
import logging
import os
import secrets
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from engage_bridge_tools.centra_fake.fake import DEFAULT_TOKEN, CentraFake
from engage_bridge_tools.centra_fake.server import RunningCentraFake
from engage_bridge_tools.centra_fake.webhooks import WebhookTarget
from engage_bridge_tools.local.atomic_queues import atomic_sqs_queues
from engage_bridge_tools.local.atomic_writes import atomic_dynamodb_items
from engage_bridge_tools.local.aws_calls import AwsCallCounter
from engage_bridge_tools.local.delivery_faults import DeliveryFaults
from engage_bridge_tools.local.function_output import function_output_to
from engage_bridge_tools.local.invocation_time import InvocationClock
from engage_bridge_tools.local.provision import LocalEndpoints, provision
from engage_bridge_tools.local.runtime import LocalRuntime
from engage_bridge_tools.local.sqs_retention import retention_check_without_counting
from engage_bridge_tools.sandbox import EngageSandbox
from engage_bridge_tools.sandbox.webhooks import PreferenceWebhooks

WEBHOOK_PATH = "/centra/webhook"
ENGAGE_WEBHOOK_PATH = "/engage/webhook"


@dataclass
class LocalSession:
    runtime: LocalRuntime
    endpoints: LocalEndpoints
    log_path: Path
    sandbox: EngageSandbox | None
    centra: CentraFake | None
    aws_calls: AwsCallCounter
    invocation_clock: InvocationClock  # also when each Engage request left the bridge (``sent_at("engage")``)

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(encoding="utf-8").splitlines()


@dataclass(frozen=True)
class SessionOptions:
    config: dict[str, Any]
    log_path: Path
    shop: dict[str, Any] | None = None  # a shop document for the Centra fake (None: the sample shop)
    time_scale: float = 0.01
    requests_per_second: float = 40
    http_host: str = "127.0.0.1"
    http_port: int = 0
    schedules: bool = True
    pollers: bool = True
    webhook_drop_share: float = 0.0
    centra_repeat_share: float = 0.0  # share of shop changes whose events and webhook Centra sends twice
    centra_seed: int = 0  # draws of dropped webhooks and repeated events
    delivery_faults: DeliveryFaults | None = None  # opt-in SQS faults (duplicates, reordering, crashes)
    retry_floor_seconds: int = 0  # a failed record returns no sooner than this, however scaled (sqs_poller)
    # The event sources' batching windows and the rate(...) schedules' intervals unscaled (the cost bench).
    timing_as_deployed: bool = False
    sandbox_options: dict[str, Any] | None = None
    centra_url: str | None = None  # a real Centra (QA) GraphQL endpoint instead of the fake
    engage_url: str | None = None  # a real Engage (staging) tenant instead of the sandbox
    engage_seed: dict[str, Any] | None = None  # the sandbox's tenant to start from (``POST /_sandbox/seed`` format)
    webhook_secret: str | None = None  # the webhook endpoint secret (None: CENTRA_WEBHOOK_SECRET, else generated)
    # With a 32-character key the sandbox encrypts its preference webhooks' payloads and the stack's secret holds it
    engage_webhook_encryption_key: str | None = None


@contextmanager
def local_session(options: SessionOptions) -> Iterator[LocalSession]:
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-north-1")
    with ExitStack() as stack:
        stack.enter_context(_quiet_tooling())
        stack.enter_context(mock_aws())
        stack.enter_context(atomic_dynamodb_items())
        stack.enter_context(atomic_sqs_queues())  # pollers' deletes never put a message back
        stack.enter_context(retention_check_without_counting())
        # After moto has started: it replaces boto3's default session, which every handler's client comes from.
        aws_calls = AwsCallCounter()
        aws_calls.install()
        stack.callback(aws_calls.uninstall)
        clock = InvocationClock()  # splits each invocation's wall time (containers.FunctionPool)
        clock.install(boto3.DEFAULT_SESSION)
        stack.callback(clock.uninstall)
        sandbox = None
        if options.engage_url is None:
            sandbox = stack.enter_context(EngageSandbox(**(options.sandbox_options or {})))
            if options.engage_seed is not None:
                sandbox.app.seed(options.engage_seed)
            engage_url, engage_key = sandbox.base_url, sandbox.api_key
        else:
            engage_url, engage_key = options.engage_url, _required_env("ENGAGE_API_KEY")
        fake = None
        webhook_secret = options.webhook_secret or os.environ.get("CENTRA_WEBHOOK_SECRET") or secrets.token_hex(16)
        if options.centra_url is None:
            repeats: dict[str, Any] = {"repeat_share": options.centra_repeat_share, "repeat_seed": options.centra_seed}
            if options.shop is not None:
                fake = CentraFake.from_document(options.shop, **repeats)
            else:
                fake = CentraFake.from_file(**repeats)
            running = stack.enter_context(RunningCentraFake(fake))
            centra_url, centra_token = running.graphql_url, DEFAULT_TOKEN
        else:
            centra_url, centra_token = options.centra_url, _required_env("CENTRA_TOKEN")
        clock.name(engage_url, "engage")
        clock.name(centra_url, "centra")
        endpoints = LocalEndpoints(
            centra_url,
            centra_token,
            webhook_secret,
            engage_url,
            engage_key,
            engage_webhook_encryption_key=options.engage_webhook_encryption_key,
        )
        stack.enter_context(function_output_to(options.log_path))
        deployed = provision(options.config, endpoints, options.requests_per_second)
        aws_calls.reset()  # count the run, not the provisioning
        runtime = stack.enter_context(
            LocalRuntime(
                deployed,
                time_scale=options.time_scale,
                delivery_faults=options.delivery_faults,
                retry_floor_seconds=options.retry_floor_seconds,
                timing_as_deployed=options.timing_as_deployed,
            )
        )
        runtime.start(
            pollers=options.pollers,
            schedules=options.schedules,
            http_host=options.http_host,
            http_port=options.http_port,
        )
        if fake is not None:
            target = WebhookTarget(
                runtime.route_url(WEBHOOK_PATH), webhook_secret, options.webhook_drop_share, options.centra_seed
            )
            fake.send_webhooks_to(target)
        if sandbox is not None:
            # Engage's preference webhooks, Svix-signed, over loopback to the local HTTP API.
            sandbox.send_webhooks_to(
                PreferenceWebhooks(
                    runtime.route_url(ENGAGE_WEBHOOK_PATH),
                    endpoints.engage_webhook_secret,
                    encryption_key=endpoints.engage_webhook_encryption_key,
                )
            )
        yield LocalSession(runtime, endpoints, options.log_path, sandbox, fake, aws_calls, clock)


@contextmanager
def _quiet_tooling() -> Iterator[None]:
    """Keep the terminal for the command: moto's notes on what it cannot model, and its Docker probe, are noise here.

    Containers share one Powertools logger, whose keys one thread may change while another formats a line:
    logging's own error report for that line would land on the terminal, so it is switched off (the line is lost
    from the local log, nothing else).
    """
    moto_logger = logging.getLogger("moto")
    level, raise_exceptions = moto_logger.level, logging.raiseExceptions
    moto_logger.setLevel(logging.CRITICAL)
    logging.raiseExceptions = False
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Tried to parse AWS::", category=UserWarning)
        try:
            yield
        finally:
            moto_logger.setLevel(level)
            logging.raiseExceptions = raise_exceptions


def _required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ValueError(f"{name} must be set in the environment to use a real endpoint")
    return value


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
