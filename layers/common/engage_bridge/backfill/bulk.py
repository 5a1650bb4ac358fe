"""Contacts through Engage's bulk API: update what exists, create the rest, each batch followed to the end.

Bulk create does not look anything up, and Engage's answer to a second contact with the same key is not
documented; so a page's contacts are first sent as a bulk *update* (matched on e-mail within the contact type)
and only the rows Engage reports as ``ContactNotFound`` are then created. An update carries the e-mail and only
fields that have a value (``ContactUpdate``), and member fields only with ``customer_updates`` on, as the live
contact handler writes them. At most ``BULK_LIMIT`` contacts per request.

The status object's shape is undocumented (the v2 Swagger: "Status object for batch", no schema; audit C5), so it
is read failing closed. A batch is done only when its ``status`` is a word in ``DONE_STATES``; any other word,
known as running or not, keeps it followed (and an unknown one is counted and logged), so an unexpected status
never passes for "finished". Failed rows are read from ``errors: [{index, reason}]``. A row without an entry there
counts as written only when the status also counts the successes (``created`` + ``updated``) and those plus the
failures add up to every row sent; otherwise it is failed with reason ``no_result`` and its customer stays out of
the ledger, so reconciliation reports it instead of the backfill calling it "updated".
"""

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Protocol, TypeIs

from msgspec import Struct
from msgspec.structs import replace

from engage_bridge.engage.client import BULK_LIMIT
from engage_bridge.observability import count, logger
from engage_bridge.state import Effect

RUNNING_STATES = frozenset({"pending", "queued", "processing", "running", "inprogress", "in progress", "started"})
DONE_STATES = frozenset({"completed", "complete", "finished", "done", "succeeded", "success", "failed", "error"})
_SUCCESS_COUNTS = ("created", "updated")
NOT_FOUND = "ContactNotFound"
NO_RESULT = "no_result"
_PHONE = "mobilePhone"
_PHONE_REASONS = frozenset({"invalidphonenumber", "invalidmobilephone"})  # as the live path reads a 422
ContactOutcome = Literal["created", "updated", "failed", "not_subscribed", "consent_held"]

Body = Mapping[str, Any]


class BulkContactApi(Protocol):
    """The part of ``EngageClient`` the backfill writes contacts with."""

    def bulk_create_contacts(self, contacts: Sequence[Body], *, contact_type: str | None = None) -> list[str]: ...

    def bulk_update_contacts(
        self, contacts: Sequence[Body], *, contact_type: str | None = None, avoid_triggering_export: bool = False
    ) -> list[str]: ...

    def bulk_contacts_status(self, batch_id: str) -> dict[str, Any]: ...


class PendingContact(Struct, frozen=True):
    """One contact to write: ``subject`` names it in logs (``customer:<id>``), ``effect`` is its ledger row."""

    subject: str
    contact_type: str
    create: Body
    update: Body
    may_create: bool = True
    effect: Effect | None = None


class ContactResult(Struct, frozen=True):
    contact: PendingContact
    outcome: ContactOutcome
    reason: str = ""


class BatchStatus(Struct, frozen=True):
    done: bool
    failed_rows: Mapping[int, str]
    succeeded: int | None = None  # rows the status counts as written, when it counts them
    state: str = ""

    def row_failure(self, index: int, rows: int) -> str | None:
        """Why row ``index`` of ``rows`` failed; None only when the status shows it was written."""
        if (reason := self.failed_rows.get(index)) is not None:
            return reason
        if self.succeeded is not None and self.succeeded + len(self.failed_rows) == rows:
            return None
        return NO_RESULT


class BulkStillRunning(Exception):
    """A batch had not finished when the invocation's time ran short; the step is retried and follows it again."""

    def __init__(self, batch_id: str) -> None:
        self.batch_id = batch_id
        super().__init__(f"bulk batch {batch_id} still running")


def parse_status(body: Mapping[str, Any]) -> BatchStatus:
    state = str(body.get("status") or "").strip().casefold()
    failed: dict[int, str] = {}
    errors = body.get("errors")
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, Mapping) and isinstance(error.get("index"), int):
            failed[error["index"]] = str(error.get("reason") or "unknown")
    counts = [value for name in _SUCCESS_COUNTS if name in body and _is_count(value := body[name])]
    known = counts and len(counts) == sum(name in body for name in _SUCCESS_COUNTS)
    succeeded = sum(counts) if known else None
    return BatchStatus(done=state in DONE_STATES, failed_rows=failed, succeeded=succeeded, state=state)


def _refuses_phone(reason: str, contact: PendingContact) -> bool:
    """A row Engage refused for its phone, which the contact still carries (so a second try can differ)."""
    return reason.casefold() in _PHONE_REASONS and (_PHONE in contact.update or _PHONE in contact.create)


def _without_phone(contact: PendingContact) -> PendingContact:
    return replace(
        contact,
        create={k: v for k, v in contact.create.items() if k != _PHONE},
        update={k: v for k, v in contact.update.items() if k != _PHONE},
    )


def _is_count(value: object) -> TypeIs[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class BulkContactWriter:
    def __init__(
        self,
        api: BulkContactApi,
        *,
        remaining_seconds: Callable[[], float],
        sleep: Callable[[float], None] = time.sleep,
        first_poll: float = 0.5,
        max_poll: float = 5.0,
        reserve_seconds: float = 10.0,
        may_create: Callable[[PendingContact], bool] = lambda _: True,
    ) -> None:
        self._api = api
        self._may_create = may_create  # the consent rules for a create carrying a yes (backfill.consent)
        self._remaining = remaining_seconds
        self._sleep = sleep
        self._first_poll, self._max_poll, self._reserve = first_poll, max_poll, reserve_seconds

    def follow(self, batch_id: str) -> BatchStatus:
        """Poll the batch status until it is done; ``BulkStillRunning`` when time runs short first."""
        delay = self._first_poll
        while True:
            status = parse_status(self._api.bulk_contacts_status(batch_id))
            if status.done:
                return status
            if status.state not in RUNNING_STATES:
                # Not a word known to mean "finished", so it is not taken as finished (audit C5).
                count("BulkStatusUnknown", "not_done")
                logger.warning("bulk batch status unknown; still following", extra={"status": status.state[:40]})
            if self._remaining() < self._reserve + delay:
                raise BulkStillRunning(batch_id)
            self._sleep(delay)
            delay = min(self._max_poll, delay * 2)

    def write(
        self, contacts: Sequence[PendingContact], on_create_batch: Callable[[str], None] = lambda _: None
    ) -> list[ContactResult]:
        """Update or create every contact; ``on_create_batch`` is told each create batch before it is followed,
        so a retried step follows it instead of creating the same contacts again."""
        results: list[ContactResult] = []
        by_type: dict[str, list[PendingContact]] = {}
        for contact in contacts:
            by_type.setdefault(contact.contact_type, []).append(contact)
        for contact_type, group in by_type.items():
            for start in range(0, len(group), BULK_LIMIT):
                results.extend(self._write_chunk(contact_type, group[start : start + BULK_LIMIT], on_create_batch))
        return results

    def _write_chunk(
        self, contact_type: str, chunk: list[PendingContact], on_create_batch: Callable[[str], None]
    ) -> list[ContactResult]:
        results: list[ContactResult] = []
        to_create: list[PendingContact] = []
        phone_refused: list[PendingContact] = []
        updated = self._run(self._api.bulk_update_contacts, [c.update for c in chunk], contact_type, None)
        for index, contact in enumerate(chunk):
            reason = updated.row_failure(index, len(chunk))
            if reason is None:
                results.append(ContactResult(contact, "updated"))
            elif _refuses_phone(reason, contact):
                phone_refused.append(contact)
            elif reason != NOT_FOUND:
                results.append(self._failed(contact, reason))
            elif contact.may_create and self._may_create(contact):
                to_create.append(contact)
            else:
                results.append(ContactResult(contact, "consent_held" if contact.may_create else "not_subscribed"))
        if to_create:
            bodies = [c.create for c in to_create]
            created = self._run(self._api.bulk_create_contacts, bodies, contact_type, on_create_batch)
            for index, contact in enumerate(to_create):
                reason = created.row_failure(index, len(to_create))
                if reason is None:
                    results.append(ContactResult(contact, "created"))
                elif _refuses_phone(reason, contact):
                    phone_refused.append(contact)
                else:
                    results.append(self._failed(contact, reason))
        if phone_refused:
            # As the live path does (seed 001): the contact matters, the phone does not. Sent once more without it.
            count("FieldLeftOut", "phone_refused", len(phone_refused))
            results.extend(self._write_chunk(contact_type, [_without_phone(c) for c in phone_refused], on_create_batch))
        return results

    def _run(
        self,
        send: Callable[..., list[str]],
        bodies: list[Body],
        contact_type: str,
        on_batch: Callable[[str], None] | None,
    ) -> BatchStatus:
        (batch_id,) = send(bodies, contact_type=contact_type)  # one request: the chunk is within BULK_LIMIT
        if on_batch is not None:
            on_batch(batch_id)
        return self.follow(batch_id)

    def _failed(self, contact: PendingContact, reason: str) -> ContactResult:
        # The subject is a Centra id, never the e-mail: the row stays findable without personal data in logs.
        logger.warning("bulk contact row failed", extra={"subject": contact.subject, "reason": reason})
        return ContactResult(contact, "failed", reason)
