"""Lambda entry for the scheduled reconciliation (daily by default): judge the previous window, keep the report.

The window ends ``RECONCILE_SETTLE_MINUTES`` before the scheduled time, so effects of the last changes have
left the queues, and spans ``RECONCILE_WINDOW_HOURS`` back from there. It is computed from the schedule's own
``time`` (not the clock), so consecutive runs tile the timeline without gaps or overlaps.

The report goes to the stack's report bucket (``PutObject`` on it is the only write this function may make);
the summary is also logged as one line, and the drifted-object count is the ``DriftedObjects`` metric the drift
alarm watches. It does not fix anything and does not spot-check Engage: a fix is a person's decision after
reading the report (``engage-bridge reconcile --fix``), and the function needs no Engage key or queue access.
"""

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from engage_bridge.aws_clients import LazyClient
from engage_bridge.centra.client import CentraClient
from engage_bridge.config import load_config
from engage_bridge.environment import FunctionEnvironment, parse_environment
from engage_bridge.observability import logger, metrics, tracer
from engage_bridge.reconcile.compare import reconcile
from engage_bridge.reconcile.report import DriftReport
from engage_bridge.secrets import SecretReference
from engage_bridge.state import DynamoStateStore

ScheduledHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]
_LOGGED_OBJECTS = 50


class ReconcileEnvironment(FunctionEnvironment):
    state_table_name: str = Field(alias="STATE_TABLE_NAME", min_length=1)
    graphql_url: str = Field(alias="CENTRA_GRAPHQL_URL", pattern=r"^https?://")
    token_secret_name: SecretReference = Field(alias="CENTRA_TOKEN_SECRET", min_length=1)
    report_bucket: str = Field(alias="REPORT_BUCKET_NAME", min_length=3)
    window_hours: int = Field(alias="RECONCILE_WINDOW_HOURS", ge=1, le=24 * 31)
    settle_minutes: int = Field(alias="RECONCILE_SETTLE_MINUTES", ge=0, le=24 * 60)


def window_before(moment: datetime, *, hours: int, settle_minutes: int) -> tuple[datetime, datetime]:
    """``[until - hours, until]`` with ``until`` = ``moment`` (to the minute) less the settle time."""
    until = moment.astimezone(UTC).replace(second=0, microsecond=0) - timedelta(minutes=settle_minutes)
    return until - timedelta(hours=hours), until


def report_key(report: DriftReport) -> str:
    since, until = report.window.since.astimezone(UTC), report.window.until.astimezone(UTC)
    return f"reconcile/{until:%Y/%m/%d}/{since:%Y%m%dT%H%MZ}--{until:%Y%m%dT%H%MZ}.json"


def reconcile_handler(environ: Mapping[str, str], centra: CentraClient | None = None) -> ScheduledHandler:
    env = parse_environment(ReconcileEnvironment, environ)
    env.bind_observability()
    cfg = load_config(dict(environ))
    client = centra or CentraClient.from_secret(env.graphql_url, env.token_secret_name, logger=logger)
    store = DynamoStateStore(LazyClient("dynamodb"), env.state_table_name)
    s3 = LazyClient("s3")

    def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        client.set_deadline(context.get_remaining_time_in_millis)
        since, until = window_before(_scheduled_time(event), hours=env.window_hours, settle_minutes=env.settle_minutes)
        now = lambda: datetime.now(UTC)  # noqa: E731 - one line, used once
        # The report alone: receipt imports are checked by a person's run (engage-bridge reconcile --receipt-imports).
        found = reconcile(client, store, cfg, since=since, until=until, now=now, erasures=store, receipt_probes=False)
        report = found.report
        key = report_key(report)
        s3.put_object(
            Bucket=env.report_bucket,
            Key=key,
            Body=report.model_dump_json().encode(),
            ContentType="application/json",
        )
        summary = report.summary
        metrics.add_metric(name="DriftedObjects", unit=MetricUnit.Count, value=summary.drifted_objects)
        metrics.add_metric(name="ReconciledObjects", unit=MetricUnit.Count, value=summary.objects)
        drifted = [found.object for found in report.drifted]
        logger.info(
            "reconciled",
            extra={
                "window": report.window.model_dump(mode="json"),
                "summary": summary.model_dump(mode="json"),
                "drifted": drifted[:_LOGGED_OBJECTS],
                "report": f"s3://{env.report_bucket}/{key}",
            },
        )
        return {"drifted_objects": summary.drifted_objects, "objects": summary.objects, "report_key": key}

    observed: ScheduledHandler = logger.inject_lambda_context(
        tracer.capture_lambda_handler(metrics.log_metrics(handle), capture_response=False)
    )
    return observed


def _scheduled_time(event: Mapping[str, Any]) -> datetime:
    """EventBridge's scheduled ``time``; the clock for a manual invocation without one."""
    stamp = event.get("time")
    if isinstance(stamp, str):
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            logger.warning("unreadable event time; using the clock", extra={"time": stamp[:40]})
        else:
            if moment.tzinfo is not None:
                return moment
    return datetime.now(UTC)
