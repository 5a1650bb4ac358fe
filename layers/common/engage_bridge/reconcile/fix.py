"""``--fix``: put every object with a missing effect back through the normal path, as an ingest event.

The router reads the object's current state and routes only what the ledger does not record as sent (or
failed), and every handler deduplicates on the effect's business key; so a fix run twice, or racing with live
traffic, sends each effect at most once. Failed effects are not retried (see ``FAILED_NOT_RETRIED``).
"""

from datetime import datetime

from engage_bridge.ingress.queue import IngestQueue
from engage_bridge.messages import IngestEvent
from engage_bridge.reconcile.report import DriftReport, FixResult, NotEnqueued, ObjectReport


def enqueue_missing(report: DriftReport, queue: IngestQueue, now: datetime) -> DriftReport:
    """``report`` with its ``fix``: one ``IngestEvent`` (source ``reconcile``) per object with a missing effect."""
    events: list[tuple[str, IngestEvent]] = []
    not_enqueued: list[NotEnqueued] = []
    for found in report.objects:
        if not any(effect.state == "missing" for effect in found.effects):
            continue
        if not found.id.isdigit():
            not_enqueued.append(NotEnqueued(object=found.object, reason="id_not_numeric"))
            continue
        events.append((found.object, _event(found, now)))
    queued = queue.put([event for _, event in events]) if events else []
    enqueued = [name for (name, _), ok in zip(events, queued, strict=True) if ok]
    not_enqueued += [
        NotEnqueued(object=name, reason="queue_refused") for (name, _), ok in zip(events, queued, strict=True) if not ok
    ]
    failed = sum(effect.state == "failed" for found in report.objects for effect in found.effects)
    fix = FixResult(enqueued=enqueued, not_enqueued=not_enqueued, failed_not_retried=failed)
    return report.model_copy(update={"fix": fix})


def _event(found: ObjectReport, now: datetime) -> IngestEvent:
    # occurred_at makes one fix run one ingest key; a retried put is routed again, and the handlers keep one effect.
    return IngestEvent(
        source="reconcile", object_type=found.kind, object_id=int(found.id), change="reconcile", occurred_at=now
    )
