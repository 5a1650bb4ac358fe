"""The safety net for missed webhooks: a scheduled read of Engage's changed contacts (``GET /api/v3/contacts/changes``).

Voyado: silence on a webhook does not prove there were no events, so keep polling (engage-wave2.md §1.4, §2). The
feed lists contact ids changed in ``[fromDate, toDate]``, without paging (400 above 250 000 ids), with no documented
time zone or freshness, and may need activating per tenant (401/403/404 until then). So each run reads the last
``consent.changes_window_minutes`` (overlapping the previous runs), halves a window Engage finds too large, and
puts one preference change per id on the consent queue; the consumer re-reads each contact.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from engage_bridge.consent.messages import PreferenceChange
from engage_bridge.engage.outcomes import EngageNotFound, EngageUnauthorized, EngageValidationError
from engage_bridge.observability import count, logger

_SMALLEST_WINDOW = timedelta(minutes=1)


class ChangesApi(Protocol):
    def changed_contact_ids(self, change_type: str, from_date: datetime, to_date: datetime) -> list[str]: ...


class FeedMarks(Protocol):
    """Which contacts a read already queued: overlapping windows list a contact again until it ages out."""

    def mark(self, contact_id: str, now: float, window_seconds: float) -> bool:
        """True (and marked) unless the contact was queued within the last ``window_seconds``."""
        ...


def read_changes(
    engage: ChangesApi, marks: FeedMarks, send: Callable[[PreferenceChange], None], now: datetime, window: timedelta
) -> int:
    """Queue one preference change per contact Engage reports updated in the window and no earlier read of the
    window queued; the number queued. A contact changed again after it was queued is listed again once the first
    read ages out of the window, while the change is still in it (the schedule runs at least twice per window)."""
    try:
        ids = _ids(engage, now - window, now)
    except (EngageUnauthorized, EngageNotFound) as error:
        count("EngageChangesUnavailable", type(error).__name__)
        logger.error("Engage's contacts/changes feed is not available (it may need activating by Voyado)")
        return 0
    queued = 0
    for contact_id in dict.fromkeys(ids):
        if marks.mark(contact_id, now.timestamp(), window.total_seconds()):
            send(PreferenceChange(source="changes", contact_id=contact_id, observed_at=now.timestamp()))
            queued += 1
    count("EngageChangesRead", "listed", len(ids))
    count("EngageChangesRead", "queued", queued)
    return queued


def _ids(engage: ChangesApi, start: datetime, end: datetime) -> list[str]:
    try:
        return engage.changed_contact_ids("Updated", start, end)
    except EngageValidationError:
        if end - start <= _SMALLEST_WINDOW:
            raise
        middle = start + (end - start) / 2  # above 250 000 ids Engage answers 400: read two halves
        return _ids(engage, start, middle) + _ids(engage, middle, end)
