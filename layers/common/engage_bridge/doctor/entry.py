"""Lambda entry for the daily preflight: the doctor's checks against the stack's own tenants, every day.

A schema change at Centra (a field renamed, a permission withdrawn from the token) shows here as a failed check
before orders start failing in the router. Each check is logged as one line (names and reasons carry no personal
data); the failed ones are counted as ``DoctorChecksFailed``, which the doctor alarm watches. A tenant that gives no
answer at all raises, so the run counts as a function error (its own alarm). Nothing is written to either tenant.
"""

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from engage_bridge.aws_clients import LazyClient
from engage_bridge.centra.token import StoredCentraToken
from engage_bridge.config import load_config
from engage_bridge.doctor.report import Report, Status
from engage_bridge.doctor.run import run_doctor
from engage_bridge.doctor.transport import EngageReader, GraphQLEndpoint, HttpEngage, HttpGraphQL
from engage_bridge.engage.api_key import StoredEngageApiKey
from engage_bridge.engage.budget import shared_budget
from engage_bridge.environment import EngageBudgetEnvironment, parse_environment
from engage_bridge.errors import ConfigError
from engage_bridge.observability import logger, metrics, tracer
from engage_bridge.secrets import SecretReference

ScheduledHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]
Readers = Callable[[], tuple[GraphQLEndpoint, EngageReader]]


class DoctorEnvironment(EngageBudgetEnvironment):
    graphql_url: str = Field(alias="CENTRA_GRAPHQL_URL", pattern=r"^https?://")
    centra_token_secret: SecretReference = Field(alias="CENTRA_TOKEN_SECRET", min_length=1)


def publish(report: Report) -> None:
    """One log line per check and the counts the alarm and the dashboard read."""
    for check in report.checks:
        log = logger.warning if check.status is Status.FAIL else logger.info
        log("doctor check", extra=check.as_json())
    metrics.add_metric(name="DoctorChecksFailed", unit=MetricUnit.Count, value=report.count(Status.FAIL))
    metrics.add_metric(name="DoctorChecksPassed", unit=MetricUnit.Count, value=report.count(Status.PASS))
    metrics.add_metric(name="DoctorChecksNotCheckable", unit=MetricUnit.Count, value=report.count(Status.CANNOT_CHECK))


def doctor_handler(environ: Mapping[str, str], readers: Readers | None = None) -> ScheduledHandler:
    env = parse_environment(DoctorEnvironment, environ)
    env.bind_observability()
    config = load_config(dict(environ))
    if config.engage.api_key_secret != env.engage_api_key_secret:
        raise ConfigError(
            "engage.api_key_secret",
            f"must be the stack's secret {env.engage_api_key_secret!r} (template parameter EngageApiKeySecretName)",
        )
    token = StoredCentraToken(env.centra_token_secret)
    api_key = StoredEngageApiKey(env.engage_api_key_secret)
    # Its GETs count against the tenant's limit like the handlers' requests: leased from the same budget, last.
    # One per container, as in the handlers, so its pace estimate carries from one run to the next.
    budget = shared_budget(
        LazyClient("dynamodb"), env.state_table_name, env.engage_requests_per_second, env.engage_priority
    )

    def http_readers() -> tuple[GraphQLEndpoint, EngageReader]:
        brand = config.engage.user_agent
        return (
            HttpGraphQL(env.graphql_url, token(), brand=brand),
            HttpEngage(str(config.engage.base_url), api_key(), brand=brand, pace=budget.acquire),
        )

    make_readers = readers or http_readers

    def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        centra, engage = make_readers()
        try:
            report = run_doctor(centra, engage, config)  # TenantUnreachable propagates: a function error
        finally:
            for reader in (centra, engage):
                close = getattr(reader, "close", None)
                if close is not None:
                    close()
        publish(report)
        failed = [check.name for check in report.failures]
        logger.info("doctor finished", extra={"failed": failed, "exit_code": report.exit_code})
        return {
            "failed": failed,
            "passed": report.count(Status.PASS),
            "cannot_check": report.count(Status.CANNOT_CHECK),
        }

    observed: ScheduledHandler = logger.inject_lambda_context(
        tracer.capture_lambda_handler(metrics.log_metrics(handle), capture_response=False)
    )
    return observed
