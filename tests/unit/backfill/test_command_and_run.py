"""The backfill CLI's core against moto, and the run record's lock and resume rules."""

import io
import json
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from engage_bridge.backfill import run as runs
from engage_bridge.backfill.commands import COMMAND
from engage_bridge.backfill.run import BackfillLocked, BackfillWindow
from engage_bridge.backfill.store import DynamoRunStore, RunChanged
from engage_bridge_tools.backfill.command import progress_line, stack_resources, start_command, watch
from tests.aws import create_state_table

WINDOW = BackfillWindow(since=datetime(2025, 1, 1, tzinfo=UTC), until=datetime(2026, 1, 1, tzinfo=UTC))
T0 = datetime(2026, 6, 1, tzinfo=UTC).timestamp()


def test_a_start_is_refused_while_locked_and_resumes_the_same_window_after_expiry() -> None:
    first, resumed = _start(None, run_id="a", now=T0)
    moved = runs.advance(first, counts={"read": 3}, failures=(), last_page=False, position=None, now=T0 + 1)

    with pytest.raises(BackfillLocked):
        _start(moved, run_id="b", now=T0 + 30)
    again, resumed = _start(moved, run_id="b", now=T0 + 61)
    open_ended, open_resumed = _start(moved, run_id="c", now=T0 + 61, until=None)  # no --until: still resumes
    other, other_resumed = _start(moved, run_id="d", now=T0 + 61, kinds=("orders",))

    assert (resumed, again.run_id, again.step, again.page) == (True, "b", 1, 2)
    assert (open_resumed, open_ended.window.until) == (True, WINDOW.until)
    assert (other_resumed, other.step, other.page) == (False, 0, 1)


def _start(
    current: runs.BackfillRun | None,
    *,
    run_id: str,
    now: float,
    until: datetime | None = WINDOW.until,
    kinds: tuple[runs.Kind, ...] = WINDOW.kinds,
) -> tuple[runs.BackfillRun, bool]:
    return runs.start(current, since=WINDOW.since, until=until, kinds=kinds, run_id=run_id, now=now, lock_seconds=60)


def test_claim_tells_duplicates_stale_busy_and_lost_successors_apart() -> None:
    run, _ = _start(None, run_id="a", now=T0)
    leased = runs.leased(run, now=T0, lease_seconds=30, lock_seconds=60)
    done = runs.advance(leased, counts={}, failures=(), last_page=False, position=None, now=T0 + 1)

    assert runs.claim(leased, "a", 0, T0 + 10) == "busy"
    assert runs.claim(leased, "a", 0, T0 + 31) == "process"
    assert runs.claim(done, "a", 0, T0 + 2) == "resend"  # committed, successor not yet sent
    assert runs.claim(done.model_copy(update={"successor_sent": True}), "a", 0, T0 + 2) == "duplicate"
    assert runs.claim(done, "old-run", 1, T0 + 2) == "stale"


def test_the_run_store_refuses_a_write_based_on_an_old_version() -> None:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="eu-north-1")
        create_state_table(dynamodb)
        store = DynamoRunStore(dynamodb, "state")
        run, _ = _start(None, run_id="a", now=T0)
        version = store.save(run, None)

        with pytest.raises(RunChanged):
            store.save(run, None)
        store.save(run, version)
        with pytest.raises(RunChanged):
            store.save(run, version)


def test_the_cli_finds_its_queue_from_the_stack_sends_the_start_and_draws_progress() -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="eu-north-1")
        queue_url = sqs.create_queue(QueueName="backfill")["QueueUrl"]
        template = {
            "Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {"BackfillQueueUrl": {"Value": queue_url}, "StateTableName": {"Value": "state"}},
        }
        cloudformation = boto3.client("cloudformation", region_name="eu-north-1")
        cloudformation.create_stack(StackName="bridge", TemplateBody=json.dumps(template))

        assert stack_resources(cloudformation, "bridge") == (queue_url, "state")
    command = start_command("2025-01-01", None, "orders,customers")
    assert command.kinds == ("customers", "orders") and command.since is not None and command.since.tzinfo is UTC
    assert COMMAND.validate_json(command.model_dump_json()) == command
    with pytest.raises(ValueError, match="kinds"):
        start_command("2025-01-01", None, "orders,invoices")

    run, _ = _start(None, run_id="a", now=T0)
    halfway = runs.advance(run, counts={"read": 5}, failures=(), last_page=True, position=None, now=T0 + 1)
    finished = runs.advance(halfway, counts={"read": 2}, failures=(), last_page=True, position=None, now=T0 + 2)
    assert progress_line(halfway, T0 + 1).startswith("[" + "#" * 15 + "." * 15 + "]")
    shown = iter([None, halfway, finished])
    out = io.StringIO()
    result = watch(lambda: next(shown), started_after=T0, out=out, sleep=lambda _: None, clock=lambda: T0 + 3)
    assert result.state == "synchronised" and "synchronised at" in out.getvalue() and "5 customers" in out.getvalue()
