"""A function's cold start does no AWS work: no client, no call, no secret read; the X-Ray SDK only where it traces.

Nor does it import what it does not use at initialisation: a module only some messages need (libphonenumber for a
function that writes no contact, AES for a consent change that names its contact) loads with the first of them
(issue 18; bench ``cold_import``).

Clients are created on first use (``engage_bridge.aws_clients``) and secrets read when a message needs them, so
a secret that cannot be read fails that message with its name, not the container's initialisation. The brand
configuration is the one thing read at cold start, by design (a file here, an SSM parameter in AWS): a bad one
fails the start with its field's name.
"""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from engage_bridge.aws_clients import LazyClient
from engage_bridge.config import load_config
from engage_bridge.contacts import ContactDirectory
from engage_bridge.environment import HandlerEnvironment, parse_environment
from engage_bridge.observability import UntracedHandlers, tracing_enabled
from engage_bridge.wiring import build_services
from engage_bridge_tools.bench.cold_import import example_config_file, function_environment
from engage_bridge_tools.local.handlers import load_handler
from engage_bridge_tools.local.template import functions, load_template

TEMPLATE = load_template()
SPECS = functions(TEMPLATE)
LAYER = Path(__file__).parents[2] / "layers/common"

# What a function must not have loaded once its module is imported: heavy modules it never uses, or uses only on
# some paths (loaded there, on first use).
NOT_LOADED_AT_INIT: dict[str, frozenset[str]] = {
    "stock_relay": frozenset(
        {
            "phonenumbers",
            "engage_bridge.contacts",
            "engage_bridge.consent.store",
            "engage_bridge.engage.models.parts",
            "engage_bridge.router_environment",
            "engage_bridge.centra.common",  # a stock level names a market and a product size only (centra.base)
        }
    ),
    "promotion_redemption": frozenset(
        {
            "phonenumbers",
            "engage_bridge.contacts",
            "engage_bridge.consent.store",
            "engage_bridge.router_environment",
            # Its message names the order by number: no Centra order nor customer model (messages.order_effect).
            "engage_bridge.centra.order",
            "engage_bridge.centra.customer",
        }
    ),
    "order_status": frozenset({"engage_bridge.consent.store", "engage_bridge.router_environment"}),
    "receipt_push": frozenset(
        {"engage_bridge.consent.store", "engage_bridge.router_environment", "engage_bridge.mapping.orders"}
    ),
    "engage_consent": frozenset({"phonenumbers", "engage_bridge.contacts", "cryptography.hazmat.primitives.padding"}),
    "engage_webhook": frozenset({"httpx", "engage_bridge.config"}),
    "centra_events": frozenset({"engage_bridge.config"}),
    "centra_webhook": frozenset({"httpx", "engage_bridge.config"}),
    "backfill": frozenset(
        {
            "engage_bridge.router",
            "engage_bridge.routing.orders",
            "engage_bridge.messages.stock",
            "engage_bridge.centra.events",  # the events queue's answers: the poller's alone
            "engage_bridge.centra.stock",
            # Loaded with the first order page (the client parses it, the order rules route it): a customer page
            # needs neither.
            "engage_bridge.centra.order",
            "engage_bridge.messages.orders",
            # A step reports an Outcome (engage_bridge.outcome): the SQS consumer, its dead-letter marks and
            # Powertools' idempotency are the Engage handlers' and the router's.
            "engage_bridge.consumer",
            "engage_bridge.dead_letter_marks",
            "aws_lambda_powertools.utilities.idempotency",
        }
    ),
    # Neither serves nor parses a Centra webhook: WebhookPayloadError is engage_bridge.errors' (ingress.http).
    "product_feed_serve": frozenset({"httpx", "engage_bridge.config", "engage_bridge.centra.webhook_payload"}),
    "product_feed": frozenset(
        {"engage_bridge.centra.events", "engage_bridge.centra.stock", "engage_bridge.centra.webhook_payload"}
    ),
    "reconcile": frozenset(
        {
            "engage_bridge.centra.events",
            "engage_bridge.centra.stock",
            "engage_bridge.messages.stock",
            "engage_bridge.mapping.orders",
            "engage_bridge.engage.models.promotions",
            # Receipts are mapped only for a check of Engage's imports (engage-bridge reconcile --receipt-imports).
            "engage_bridge.mapping.receipts",
            "engage_bridge.engage.models.receipts",
            "engage_bridge.engage.models.parts",
        }
    ),
    "back_in_stock_subscription": frozenset(
        {"engage_bridge.engage.models.parts", "engage_bridge.centra.webhook_payload"}
    ),
    # An erasure (a GDPR request) loads its module with the first one.
    "contact_upsert": frozenset({"engage_bridge.effects.erasure"}),
    "router": frozenset(
        {
            "engage_bridge.centra.events",
            "engage_bridge.retry_cadence",
            "engage_bridge.engage.models.orders",
            # The router decides by a customer's role and an order's delivery number: it builds no Engage body.
            "engage_bridge.engage.models.contacts",
            "engage_bridge.engage.models.parts",
            "engage_bridge.engage.models.promotions",
            "engage_bridge.mapping.contacts",
            # Loaded with the first order a container routes: a customer's or a stock change's route needs neither.
            "engage_bridge.centra.order",
            "engage_bridge.routing.orders",
        }
    ),
}
# Powertools' batch types define its parser's pydantic models when pydantic is loaded before them: the bridge uses
# none, so every function that consumes a queue loads batch first (``engage_bridge.batch_first``, its app.py's first
# import) and defines none of them.
POWERTOOLS_PARSER = "aws_lambda_powertools.utilities.parser"
# The functions whose handler is an engage_bridge.consumer.SqsConsumer (the backfill consumes its queue without one).
BUILT_ON_SQS_CONSUMER = (
    "contact_upsert",
    "order_status",
    "receipt_push",
    "engage_consent",
    "promotion_redemption",
    "stock_relay",
    "router",
)
for _consumer in (*BUILT_ON_SQS_CONSUMER, "backfill"):
    NOT_LOADED_AT_INIT[_consumer] = NOT_LOADED_AT_INIT.get(_consumer, frozenset()) | {POWERTOOLS_PARSER}
# Powertools' idempotency keys a message no ledger row claims (a resend, an erasure): the Engage handlers load it with
# the first such message (consumer.SqsConsumer._apply_once); the router, the consent consumer and the stock relay,
# whose messages never need it, not at all.
POWERTOOLS_IDEMPOTENCY = "aws_lambda_powertools.utilities.idempotency"
for _consumer in BUILT_ON_SQS_CONSUMER:
    NOT_LOADED_AT_INIT[_consumer] = NOT_LOADED_AT_INIT.get(_consumer, frozenset()) | {POWERTOOLS_IDEMPOTENCY}
# The stack's Engage budget is loaded by the functions that send to Engage (engage_bridge.wiring.build_services, the
# backfill's, the doctor's ...); the others check their environment without it (engage_bridge.budget_priority).
ENGAGE_BUDGET = "engage_bridge.engage.budget"
for _sends_nothing in (
    "router",
    "reconcile",
    "centra_events",
    "centra_webhook",
    "engage_webhook",
    "product_feed",
    "product_feed_serve",
):
    NOT_LOADED_AT_INIT[_sends_nothing] = NOT_LOADED_AT_INIT.get(_sends_nothing, frozenset()) | {ENGAGE_BUDGET}
_LOADED = "import sys\nimport app\nprint(' '.join(sorted(sys.modules)))"


@pytest.fixture
def clients_created(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every botocore client created (a secret read or any AWS call needs one), by service name."""
    created: list[str] = []
    real = botocore.session.Session.create_client

    def recording(self: botocore.session.Session, service_name: str, *args: Any, **kwargs: Any) -> Any:
        created.append(service_name)
        return real(self, service_name, *args, **kwargs)

    monkeypatch.setattr(botocore.session.Session, "create_client", recording)
    yield created


@pytest.mark.parametrize("name", sorted(SPECS))
def test_importing_a_function_creates_no_aws_client_and_reads_no_secret(
    name: str, clients_created: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for variable, value in function_environment(SPECS[name], TEMPLATE, example_config_file(tmp_path)).items():
        monkeypatch.setenv(variable, value)

    handler = load_handler(SPECS[name])

    assert callable(handler)
    assert clients_created == []


def _last_line_at_init(name: str, snippet: str, tmp_path: Path) -> str:
    """The last line ``snippet`` prints in a fresh interpreter with the function's code, layer and environment."""
    spec = SPECS[name]
    environment = function_environment(spec, TEMPLATE, example_config_file(tmp_path))
    run = subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet, in a fresh process
        [sys.executable, "-c", snippet],
        env={
            "PYTHONPATH": f"{spec.code_dir}:{LAYER}",
            "AWS_DEFAULT_REGION": "eu-north-1",
            "POWERTOOLS_TRACE_DISABLED": "1",
            **environment,
        },
        cwd=spec.code_dir,
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("name", sorted(NOT_LOADED_AT_INIT))
def test_importing_a_function_loads_no_module_it_does_not_use_at_init(name: str, tmp_path: Path) -> None:
    loaded = set(_last_line_at_init(name, _LOADED, tmp_path).split())

    assert "engage_bridge.environment" in loaded  # the function did start
    assert not NOT_LOADED_AT_INIT[name] & loaded


# The message and environment classes each function defines at cold start: the ones it parses and their bases, none
# of another function's (issue 18: each pydantic class costs ~0.3 ms to define, even unbuilt).
_DEFINED_MODELS = (
    "import sys, app, pydantic\n"
    "print(' '.join(sorted(f'{module.__name__.split(\".\")[1]}.{name}' for module in list(sys.modules.values())"
    " if module.__name__.startswith(('engage_bridge.environment', 'engage_bridge.messages'))"
    " for name, model in vars(module).items() if isinstance(model, type) and issubclass(model, pydantic.BaseModel)"
    " and model.__module__ == module.__name__)))"
)
_HANDLER_ENVIRONMENT = {
    "environment.FunctionEnvironment",
    "environment.EngageBudgetEnvironment",
    "environment.ConsumerEnvironment",
    "environment.HandlerEnvironment",
}
_ORDER_MESSAGE = {"messages.ResendRequest", "messages.QueuedMessage", "messages.OrderEffect"}
DEFINED_MODELS: dict[str, set[str]] = {
    "order_status": _HANDLER_ENVIRONMENT | _ORDER_MESSAGE | {"messages.AboutAnOrder", "messages.OrderEmail"},
    "receipt_push": _HANDLER_ENVIRONMENT | _ORDER_MESSAGE | {"messages.AboutAnOrder", "messages.ReceiptPush"},
    "promotion_redemption": _HANDLER_ENVIRONMENT | _ORDER_MESSAGE | {"messages.PromotionRedemption"},
    "router": {
        "environment.FunctionEnvironment",
        "environment.ConsumerEnvironment",
        "environment.FeatureSwitchesEnvironment",
        "messages.ResendRequest",
        "messages.QueuedMessage",
        "messages.IngestEvent",
        "messages.ContactUpsert",
        "messages.StockUpdate",
    },
    "backfill": {
        "environment.FunctionEnvironment",
        "environment.EngageBudgetEnvironment",
        "messages.ResendRequest",
        "messages.QueuedMessage",
        "messages.ContactUpsert",
    },
    # The reconciliation works out every order effect (routing.orders) and reads the report's: all three messages.
    "reconcile": {"environment.FunctionEnvironment", "messages.ResendRequest", "messages.QueuedMessage"}
    | {"messages.ContactUpsert", "messages.OrderEffect", "messages.AboutAnOrder", "messages.OrderEmail"}
    | {"messages.ReceiptPush", "messages.PromotionRedemption"},
}


@pytest.mark.parametrize("name", sorted(DEFINED_MODELS))
def test_a_function_defines_only_its_own_message_and_environment_classes(name: str, tmp_path: Path) -> None:
    assert set(_last_line_at_init(name, _DEFINED_MODELS, tmp_path).split()) == DEFINED_MODELS[name]


_CONFIG_VALIDATORS = (
    "import app, pydantic\nfrom engage_bridge import config\n"
    "print(' '.join(sorted(name for name, model in vars(config).items() if isinstance(model, type)"
    " and issubclass(model, pydantic.BaseModel) and model.__pydantic_complete__)))"
)


def test_the_brand_configuration_builds_one_validator_at_cold_start(tmp_path: Path) -> None:
    """Its sections are validated by ``BrandConfig``'s validator: none builds one of its own (issue 18)."""
    assert _last_line_at_init("order_status", _CONFIG_VALIDATORS, tmp_path).split() == ["BrandConfig"]


def test_a_service_part_the_effect_does_not_use_is_built_on_its_first_use(
    clients_created: list[str], tmp_path: Path
) -> None:
    environment = function_environment(SPECS["stock_relay"], TEMPLATE, example_config_file(tmp_path))
    env = parse_environment(HandlerEnvironment, environment)

    services = build_services(env, load_config(environment), unused=frozenset({"contacts"}))

    assert not isinstance(services.contacts, ContactDirectory)
    assert services.contacts.find.__self__.__class__ is ContactDirectory  # built by the first attribute asked
    assert services.contacts.find.__self__ is services.contacts.forget.__self__  # and kept
    assert clients_created == []


def test_a_lazy_client_is_created_on_first_use_and_kept(clients_created: list[str]) -> None:
    client = LazyClient("sqs")
    assert (client.created, clients_created) == (False, [])

    first = client.meta
    second = client.meta

    assert first is second
    assert client.created
    assert clients_created == ["sqs"]


def test_tracing_is_on_in_lambda_unless_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    monkeypatch.delenv("AWS_SAM_LOCAL", raising=False)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    assert tracing_enabled()

    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    assert not tracing_enabled()
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    monkeypatch.setenv("AWS_SAM_LOCAL", "true")
    assert not tracing_enabled()
    monkeypatch.delenv("AWS_SAM_LOCAL")
    monkeypatch.delenv("LAMBDA_TASK_ROOT")
    assert not tracing_enabled()


def test_untraced_handlers_pass_the_handler_through() -> None:
    def handler(event: dict[str, Any], context: Any) -> str:
        return "done"

    assert UntracedHandlers().capture_lambda_handler(handler, capture_response=False) is handler


_DEPLOYED = """
import sys
from engage_bridge.observability import tracer
from aws_xray_sdk.core import patcher
patched = patcher._PATCHED_MODULES
print(type(tracer).__name__, tracer.disabled, "botocore" in patched, "httpx" in patched)
"""
_LOCAL = """
import sys
from engage_bridge.observability import tracer
print(type(tracer).__name__, "aws_xray_sdk" in sys.modules)
"""


def _observability_in(environment: dict[str, str], code: str) -> str:
    run = subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(LAYER), "AWS_DEFAULT_REGION": "eu-north-1", **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout.strip().splitlines()[-1]


def test_deployed_the_tracer_is_powertools_and_patches_botocore_and_httpx_at_cold_start() -> None:
    # As Lambda runs it with Tracing: Active: LAMBDA_TASK_ROOT set, POWERTOOLS_TRACE_DISABLED unset.
    assert _observability_in({"LAMBDA_TASK_ROOT": "/var/task"}, _DEPLOYED) == "Tracer False True True"


def test_off_lambda_the_x_ray_sdk_is_not_loaded() -> None:
    assert _observability_in({"POWERTOOLS_TRACE_DISABLED": "1"}, _LOCAL) == "UntracedHandlers False"
