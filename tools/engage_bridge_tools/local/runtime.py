"""The local runtime: every function of the deployed (moto) stack, driven by its triggers.

- each SQS event source mapping gets pollers up to its ``MaximumConcurrency`` (``sqs_poller``);
- each ``rate(...)`` schedule fires its function on its interval;
- each HTTP API route is served on localhost (``http_api``).

``time_scale`` shrinks every wait the template declares (visibility timeouts, batching windows, schedule
intervals) so a demo or a test does not sit out a six-minute visibility timeout; 1.0 keeps them as deployed.
``delivery_faults`` (opt-in, ``delivery_faults.py``) makes the pollers duplicate, reorder and crash deliveries;
``retry_floor_seconds`` (opt-in) keeps the scaled wait before a failed record returns above the functions' own
real-time windows (``sqs_poller``); ``timing_as_deployed`` (opt-in, the cost bench) leaves the event sources'
batching windows and the ``rate(...)`` intervals unscaled, so a run whose changes arrive in real time batches them
as Lambda would and the events poller comes a minute apart, long after the webhook path routed what it reports.
"""

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3

from engage_bridge_tools.local.containers import FunctionPool
from engage_bridge_tools.local.delivery_faults import DeliveryChaos, DeliveryFaults
from engage_bridge_tools.local.http_api import LocalHttpApi
from engage_bridge_tools.local.lambda_events import scheduled_event
from engage_bridge_tools.local.sqs_poller import SqsPoller
from engage_bridge_tools.local.stack import LocalStack, ScheduleTrigger

log = logging.getLogger("engage_bridge_tools.local")

IDLE_POLL_SECONDS = 0.02


@dataclass(frozen=True, slots=True)
class Progress:
    processed: int  # records deleted after success
    retried: int  # records left for redelivery
    pending: int  # records still in the trigger queues (visible or in flight)


class LocalRuntime:
    def __init__(
        self,
        stack: LocalStack,
        *,
        time_scale: float = 1.0,
        extra_environment: Mapping[str, str] | None = None,
        delivery_faults: DeliveryFaults | None = None,
        retry_floor_seconds: int = 0,
        timing_as_deployed: bool = False,
    ) -> None:
        self.stack = stack
        self.time_scale = time_scale
        self._schedule_scale = 1.0 if timing_as_deployed else time_scale
        self._sqs = boto3.client("sqs")
        self.pools = {
            logical_id: FunctionPool(function, dict(extra_environment or {}))
            for logical_id, function in stack.functions.items()
        }
        self.delivery_chaos = DeliveryChaos(delivery_faults) if delivery_faults is not None else None
        self._pollers = [
            SqsPoller(
                trigger,
                self.pools[trigger.function],
                self._sqs,
                time_scale,
                chaos=self.delivery_chaos,
                retry_floor_seconds=retry_floor_seconds,
                batching_window_as_deployed=timing_as_deployed,
            )
            for trigger in stack.sqs_triggers
        ]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.processed = 0
        self.retried = 0
        self.schedule_runs = 0
        self.http: LocalHttpApi | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def start(
        self,
        *,
        pollers: bool = True,
        schedules: bool = True,
        http_host: str = "127.0.0.1",
        http_port: int | None = 0,
    ) -> None:
        """Start the triggers; ``pollers=False`` leaves messages in their queues (to look at them)."""
        for poller in self._pollers if pollers else []:
            for index in range(poller.trigger.maximum_concurrency):
                self._spawn(f"poll-{poller.trigger.function}-{index}", self._poll_loop, poller)
        if schedules:
            for schedule in self.stack.schedules:
                if schedule.interval_seconds is None:
                    continue  # cron: fired only by fire(...)
                self._spawn(f"schedule-{schedule.function}", self._schedule_loop, schedule)
        if http_port is not None and self.stack.routes:
            self.http = LocalHttpApi(self.stack.routes, self.pools, http_host, http_port)
            self.http.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        if self.http is not None:
            self.http.stop()

    def __enter__(self) -> "LocalRuntime":
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def route_url(self, path: str) -> str:
        if self.http is None:
            raise RuntimeError("the HTTP API is not running (start(http_port=...))")
        return f"{self.http.url}{path}"

    # -- driving -------------------------------------------------------------------------------------------------

    def fire_schedules(self) -> None:
        """Run every ``rate(...)`` scheduled function once now, as its rule would (waiting for a free container).

        Cron schedules (a daily reconciliation) name wall-clock times that a local run never reaches; ``fire``
        runs them on request.
        """
        for schedule in self.stack.schedules:
            if schedule.interval_seconds is not None:
                self._fire(schedule)

    def fire(self, function: str) -> None:
        """Run the schedules of one function (logical id) once now."""
        matching = [schedule for schedule in self.stack.schedules if schedule.function == function]
        if not matching:
            raise KeyError(f"{function} has no schedule")
        for schedule in matching:
            self._fire(schedule)

    def run_until_idle(self, timeout: float = 600.0, on_progress: Callable[[Progress], None] | None = None) -> Progress:
        """Wait until no trigger queue holds a message and nothing runs, then fire the schedules once more.

        Quiet means a full round of schedules found nothing new either: the poller has had its chance to
        bring in what a dropped webhook missed. ``TimeoutError`` if the stack never becomes quiet.
        """
        deadline = time.monotonic() + timeout
        while True:
            self._wait_for_empty_queues(deadline, on_progress)
            before = self.processed + self.retried
            self.fire_schedules()
            if self._pending() == 0 and self.processed + self.retried == before:
                progress = self.progress()
                if on_progress is not None:
                    on_progress(progress)
                return progress

    def progress(self) -> Progress:
        return Progress(self.processed, self.retried, self._pending())

    # -- inspection ----------------------------------------------------------------------------------------------

    def queue_depths(self) -> dict[str, int]:
        """Messages (visible and in flight) per queue logical id, dead-letter queues included."""
        return {logical_id: self._depth(url) for logical_id, url in self.stack.queues.items()}

    def dead_letters(self) -> dict[str, list[dict[str, Any]]]:
        """Every message in every dead-letter queue, with its attributes, left in place (made visible again)."""
        found: dict[str, list[dict[str, Any]]] = {}
        urls = set(self.stack.dead_letter_queues.values())
        for logical_id, url in self.stack.queues.items():
            if url in urls:
                found[logical_id] = self._peek(url)
        return found

    # -- internals -----------------------------------------------------------------------------------------------

    def _spawn(self, name: str, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _poll_loop(self, poller: SqsPoller) -> None:
        while not self._stop.is_set():
            try:
                taken = poller.poll_once(self._count)
            except Exception:
                log.exception("polling %s failed", poller.trigger.function)
                taken = 0
            if not taken:
                self._stop.wait(IDLE_POLL_SECONDS)

    def _count(self, done: int, failed: int) -> None:
        with self._lock:
            self.processed += done
            self.retried += failed

    def schedule_interval(self, schedule: ScheduleTrigger) -> float:
        """Seconds between two runs of a ``rate(...)`` schedule: scaled, or as deployed (``timing_as_deployed``)."""
        return (schedule.interval_seconds or 0) * self._schedule_scale

    def _schedule_loop(self, schedule: ScheduleTrigger) -> None:
        interval = self.schedule_interval(schedule)
        while not self._stop.wait(interval):
            self._fire(schedule)

    def _fire(self, schedule: ScheduleTrigger) -> None:
        region = self._sqs.meta.region_name
        rule_arn = f"arn:aws:events:{region}:123456789012:rule/{schedule.rule_name}"
        try:
            # A target with a constant Input gets that JSON, as EventBridge sends it (the feed's {"mode": ...}).
            event = json.loads(schedule.input) if schedule.input else scheduled_event(rule_arn, region)
            self.pools[schedule.function].invoke(event)
        except Exception:
            # EventBridge invokes asynchronously: Lambda retries and then hands the event to the on-failure
            # destination; locally the next interval runs it again, and the error is in the function's log.
            log.exception("scheduled run of %s failed", schedule.function)
        finally:
            with self._lock:
                self.schedule_runs += 1

    def _wait_for_empty_queues(self, deadline: float, on_progress: Callable[[Progress], None] | None) -> None:
        quiet_checks = 0
        while quiet_checks < 2:  # twice in a row: a poller may be between receive and invoke
            if time.monotonic() > deadline:
                raise TimeoutError(f"still busy: {self.queue_depths()}")
            pending = self._pending()
            busy = any(pool.busy for pool in self.pools.values())
            quiet_checks = quiet_checks + 1 if pending == 0 and not busy else 0
            if on_progress is not None:
                on_progress(Progress(self.processed, self.retried, pending))
            time.sleep(0.05)

    def _pending(self) -> int:
        return sum(self._depth(trigger.queue_url) for trigger in self.stack.sqs_triggers)

    def _depth(self, url: str) -> int:
        # "All": moto builds the queue's attribute set (which counts every message) once for it, but three times
        # for each attribute named.
        attributes = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        # Delayed messages (the webhook's, held back WEBHOOK_DELAY_SECONDS) are counted apart, as in SQS.
        return sum(
            int(attributes.get(name, 0))
            for name in (
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            )
        )

    def _peek(self, url: str) -> list[dict[str, Any]]:
        messages: dict[str, Any] = {}
        handles = []
        while True:
            batch = self._sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30, MessageAttributeNames=["All"]
            ).get("Messages", [])
            if not batch:
                break
            for message in batch:
                messages[message["MessageId"]] = message
                handles.append(message["ReceiptHandle"])
        for handle in handles:
            self._sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
        return list(messages.values())
