"""The SQS loop every handler shares: parse, deduplicate on a business key, apply, and route failures.

For each record of a batch:

- the body is parsed into the handler's message model; a body that does not parse is a permanent failure;
- the effect claims its ledger row (``LedgerClaims``: an order's effect, a contact write's content; a receipt's
  row is only looked at, ``LedgerClaim.claim_before``, since Engage deduplicates receipts), or runs
  inside Powertools idempotency keyed on the message's ``business_key`` (not the SQS message id: the router may
  enqueue the same effect twice under different ids); the router, whose messages are deduplicated by its route
  marks and whose effects by the handlers, and the consent consumer, whose effect is idempotent, run without
  either (no ``persistence``);
- a *retryable* failure (Engage 429/5xx/timeout, a duplicate still in progress, an e-mail or receipt whose
  predecessor has not reached Engage yet: ``sequence``) is reported as a batch item
  failure; with a ``RetryLater`` (the Engage handlers) the record is first hidden for Voyado's next retry interval
  (10 s, 30 s, 60 s, 300 s; ``retry_cadence``), else SQS redelivers it after the visibility timeout. On the
  queue's last receive (``maxReceiveCount``, given as ``max_receive_count``) a record that fails again, for a
  retryable or an unexpected reason, is dead-lettered here as ``retries_exhausted`` or ``unexpected_failure``,
  with its mark, so its successors stop waiting for it; SQS itself moves only what an invocation that died left;
- a *permanent* failure (mapping error, Engage validation error, ...) is sent straight to the DLQ with its
  reason as message attributes and removed from the source queue: five identical retries would only delay
  the alarm. It is raised out of the idempotent scope first, so Powertools deletes the idempotency record
  and a redrive after the fix runs the effect again. Once per effect: a second copy of the same business key
  (the webhook and the poller both routed it) finds the first copy's mark (``dead_letter_marks``) and is dropped,
  counted as Skipped/already_dead_lettered. An e-mail or receipt waiting for a predecessor that is in a DLQ
  (its mark stands) is dead-lettered at once as ``predecessor_dead_lettered`` rather than retried (``sequence``).

Every record ends in exactly one count: Sent, Skipped or Failed (with its reason), Retried, or DeadLettered
(``observability.count``: a CloudWatch metric per outcome, the reasons tallied in the invocation's document).
"""

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from msgspec import Struct
from pydantic import BaseModel, ValidationError

from engage_bridge.centra.outcomes import (
    CentraGraphQLError,
    CentraRetryableError,
    CentraUnauthorized,
    CentraUnexpectedResponse,
    CentraUserError,
)
from engage_bridge.dead_letter_marks import DeadLetterMarks
from engage_bridge.delivery import Delivery, current_delivery
from engage_bridge.engage.outcomes import (
    EngageConflict,
    EngageNotFound,
    EngageRetryableError,
    EngageUnauthorized,
    EngageUnexpectedResponse,
    EngageValidationError,
)
from engage_bridge.errors import (
    BridgeError,
    ContactCreationInProgress,
    EmailBelongsToAnotherContact,
    MappingError,
    PredecessorPending,
)
from engage_bridge.observability import count
from engage_bridge.outcome import Outcome
from engage_bridge.state import ClaimedRow, Effect, LedgerClaim, LedgerClaims, claimed_row

if TYPE_CHECKING:  # Powertools' idempotency loads with the first message a ledger row does not claim (_apply_once)
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

IDEMPOTENCY_SECONDS = 24 * 3600


def delivery_of(record: SQSRecord) -> Delivery:
    return Delivery(record.message_id, _redrive_count(record) > 0)


class PermanentFailure(BridgeError):
    """A handler's own reason why a message can never succeed as it is."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


class BatchFailedUnexpectedly(BridgeError):
    """Every record of a batch failed, some for no classified reason: the invocation fails (Lambda ``Errors``)."""

    def __init__(self, unexpected: int, records: int) -> None:
        super().__init__(f"all {records} record(s) failed, {unexpected} for no known reason; SQS will redeliver them")


class HandlerMessage(Protocol):
    @property
    def business_key(self) -> str: ...

    @property
    def correlation_id(self) -> str: ...


class DeadLetterSink(Protocol):
    def send(self, body: str, attributes: Mapping[str, str]) -> None: ...


class RetryLater(Protocol):
    """Hides a failed record until its next retry (``retry_cadence.SqsRetryCadence``)."""

    def postpone(self, receipt_handle: str, receive_count: int, *, own_work: bool = False) -> int: ...


class DeadLetter(Struct, frozen=True):
    reason: str
    detail: str
    validation_errors: str = ""


# Engage answers that no retry can change, by the reason they are filed under in the DLQ.
_PERMANENT_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (EmailBelongsToAnotherContact, "email_change_conflict"),
    (EngageNotFound, "engage_not_found"),
    (EngageUnauthorized, "engage_unauthorized"),
    (EngageUnexpectedResponse, "engage_unexpected_response"),
    (CentraUnauthorized, "centra_unauthorized"),
    (CentraGraphQLError, "centra_graphql_error"),
    (CentraUserError, "centra_user_error"),
    (CentraUnexpectedResponse, "centra_unexpected_response"),
)


# Worth another try later: SQS redelivers them after the visibility timeout, then dead-letters after five.
class EffectClaimedElsewhere(BridgeError):
    """Another message holds the claim on this effect's ledger row: it is being applied now. Retried later."""

    def __init__(self, effect: Effect) -> None:
        super().__init__(f"{effect.subject} {effect.name} is being applied by another message")


def _claimable(message: object) -> LedgerClaim | None:
    """The ledger row a message claims (``QueuedMessage.ledger_claim``): an order's effect, a contact write's
    content; never a resend."""
    claim = getattr(message, "ledger_claim", None)
    return claim if isinstance(claim, LedgerClaim) else None


_RETRYABLE_ERRORS = (
    EngageRetryableError,
    EffectClaimedElsewhere,
    CentraRetryableError,
    ContactCreationInProgress,
    PredecessorPending,
)


# Retryable failures that are the design working (a copy in progress, a predecessor not yet sent), not trouble.
_EXPECTED_WAITS = (
    EffectClaimedElsewhere,
    ContactCreationInProgress,
    PredecessorPending,
)
# Powertools' IdempotencyAlreadyInProgressError (a copy being applied now) joins both once a consumer builds its
# idempotency (``SqsConsumer._apply_once``): only that can raise it, and most containers never do (issue 18).


def dead_letter_for(error: Exception) -> DeadLetter | None:
    """The DLQ entry for a permanent failure; None for anything that is worth retrying."""
    match error:
        case MappingError():
            return DeadLetter("mapping_error", str(error))
        case PermanentFailure():
            return DeadLetter(error.reason, error.detail)
        case EngageValidationError():
            issues = [{"code": i.code, "field": i.field, "description": i.description} for i in error.issues]
            return DeadLetter("engage_validation", str(error), json.dumps(issues, ensure_ascii=False))
        case EngageConflict():
            return DeadLetter(f"engage_conflict:{error.error_code or 'unknown'}", str(error))
    for kind, reason in _PERMANENT_ERRORS:
        if isinstance(error, kind):
            return DeadLetter(reason, str(error))
    return None


class SqsConsumer[M: BaseModel]:
    """Applies ``effect`` to every message of an SQS batch; returns Lambda's partial batch response."""

    def __init__(
        self,
        *,
        message_model: type[M],
        effect: Callable[[M], Outcome],
        dead_letters: DeadLetterSink,
        persistence: "BasePersistenceLayer | Callable[[], BasePersistenceLayer] | None",
        metrics: Metrics,
        logger: Logger,
        retry_later: RetryLater | None = None,
        dead_letter_marks: DeadLetterMarks | None = None,
        ledger_claims: LedgerClaims | None = None,
        max_receive_count: int | None = None,
    ) -> None:
        # The source queue's maxReceiveCount: a record failing on its last receive is dead-lettered here, with its
        # reason and a mark its successors see, instead of being moved by SQS without either.
        self._max_receive_count = max_receive_count
        self._retry_later = retry_later
        self._claims = ledger_claims
        self._context: LambdaContext | None = None
        self._marks = dead_letter_marks
        self._model = message_model
        self._effect = effect
        self._dead_letters = dead_letters
        self._metrics = metrics
        self._logger = logger
        # A batch whose every record is retried later is not a function error (runbook, function error alarms):
        # its records are reported to SQS like any other. Only a failure nobody classified fails the invocation.
        self._processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self._unexpected_failures = 0
        # Built with the first message no ledger row claims (_apply_once): a resend, an erasure, an unclaimed write.
        self._idempotency: IdempotencyConfig | None = None
        self._retryable: tuple[type[Exception], ...] = _RETRYABLE_ERRORS
        self._expected_waits: tuple[type[Exception], ...] = _EXPECTED_WAITS
        # None: the effect is idempotent on its own (the router: route marks, and handlers downstream).
        self._persistence = persistence
        self._applied_once: Callable[..., dict[str, Any]] | None = None

    def __call__(self, event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        if self._idempotency is not None:  # lets Powertools expire an in-progress record if this invocation times out
            self._idempotency.register_lambda_context(context)
        self._context = context
        self._unexpected_failures = 0
        response = process_partial_response(
            event=event, record_handler=self._handle_record, processor=self._processor, context=context
        )
        records = event.get("Records", [])
        if records and self._unexpected_failures and len(response["batchItemFailures"]) == len(records):
            # Every record failed and some for no known reason (a bug, a broken dependency): the function's
            # error alarm must see it. Retryable failures alone do not raise: they log no traceback per batch.
            raise BatchFailedUnexpectedly(self._unexpected_failures, len(records))
        return response

    def _handle_record(self, record: SQSRecord) -> None:
        try:
            self._handle_one(record)
        except self._retryable:
            raise
        except Exception:
            self._unexpected_failures += 1  # a bug, or a dead letter that could not be sent
            raise

    def _handle_one(self, record: SQSRecord) -> None:
        try:
            message = self._model.model_validate_json(record.body)
        except ValidationError as error:
            self._dead_letter(record, "", DeadLetter("invalid_message", _describe(error)))
            return
        key = message.business_key  # type: ignore[attr-defined]  # every message model defines it
        self._logger.append_keys(correlation_id=message.correlation_id)  # type: ignore[attr-defined]
        try:
            delivery = current_delivery.set(delivery_of(record))
            try:
                result = self._run(record, key, message)
            finally:
                current_delivery.reset(delivery)
        except self._retryable as error:
            if isinstance(error, PredecessorPending) and (waited := self._dead_lettered_predecessor(record, error)):
                self._dead_letter(
                    record, key, DeadLetter("predecessor_dead_lettered", f"{error}; {waited} is in a DLQ")
                )
                return
            if self._last_receive(record):
                self._dead_letter(record, key, DeadLetter("retries_exhausted", f"{type(error).__name__}: {error}"))
                return
            self._count("Retried", type(error).__name__)
            delay = self._postpone(record, own_work=isinstance(error, self._expected_waits))
            # Waiting for another copy or a predecessor is the design, counted by why: DEBUG (sampled). Engage or
            # Centra failing to answer is news: WARNING.
            log = self._logger.debug if isinstance(error, self._expected_waits) else self._logger.warning
            log("retrying later", extra={"business_key": key, "error": str(error), "delay_s": delay})
            raise
        except Exception as error:
            dead_letter = dead_letter_for(error)
            if dead_letter is None and self._last_receive(record):
                self._logger.exception("unexpected failure on the last receive", extra={"business_key": key})
                dead_letter = DeadLetter("unexpected_failure", f"{type(error).__name__}: {error}")
            if dead_letter is None:
                self._logger.exception("unexpected failure; SQS will redeliver", extra={"business_key": key})
                raise
            self._dead_letter(record, key, dead_letter)
            return
        finally:
            self._logger.remove_keys(["correlation_id"])
        outcome = Outcome(result["state"], result["reason"])
        self._count(outcome.state.capitalize(), outcome.reason)
        # Counted by reason in the invocation's metrics document already: a line per sent or skipped record is
        # DEBUG (sampled); a failed one (refused for good, never dead-lettered) is news, at INFO.
        log = self._logger.info if outcome.state == "failed" else self._logger.debug
        log("processed", extra={"business_key": key, **outcome.as_dict()})

    def _run(self, record: SQSRecord, key: str, message: M) -> dict[str, Any]:
        """The effect once per business key: claimed on its ledger row where it has one, else by Powertools."""
        claim = _claimable(message) if self._claims is not None else None
        if self._claims is None or claim is None:
            result: dict[str, Any] = self._apply_once()(key={"business_key": key}, message=message)
            return result
        effect = claim.effect
        if not claim.claim_before:
            return self._run_looked(self._claims, record, key, message, effect)
        # A written version answers its copies as long as a Powertools record would have (contact writes).
        answer, before = self._claims.claim_entry(
            effect, record.message_id, self._claim_seconds(), claim.version, window=IDEMPOTENCY_SECONDS
        )
        if answer == "sent":
            return Outcome("skipped", "duplicate").as_dict()
        if answer == "held":
            raise EffectClaimedElsewhere(effect)
        # The claim refused a sent row and returned the entry it took over: the effect reads its row no more.
        token = claimed_row.set(ClaimedRow(effect, before))
        sent = False
        try:
            result = self._apply(key={"business_key": key}, message=message)
            sent = result["state"] == "sent"  # the effect's ledger entry replaced the claim
            return result
        finally:
            claimed_row.reset(token)
            if not sent:
                self._claims.release(effect, record.message_id)

    def _run_looked(
        self, claims: LedgerClaims, record: SQSRecord, key: str, message: M, effect: Effect
    ) -> dict[str, Any]:
        """An effect whose row is looked at, not claimed: its entry after the send is its only write."""
        answer, before = claims.look(effect, record.message_id)
        if answer == "sent":
            return Outcome("skipped", "duplicate").as_dict()
        if answer == "held":
            raise EffectClaimedElsewhere(effect)
        # The look's entry stands in for the claim's: the effect reads its row no more.
        token = claimed_row.set(ClaimedRow(effect, before))
        try:
            result: dict[str, Any] = self._apply(key={"business_key": key}, message=message)
            return result
        finally:
            claimed_row.reset(token)

    def _apply_once(self) -> Callable[..., dict[str, Any]]:
        """``_apply`` under Powertools idempotency, on the persistence layer built at its first need (a function
        whose every message is claimed on its ledger row never builds it: no client, nothing at cold start)."""
        if self._applied_once is None:
            persistence = self._persistence
            if persistence is None:
                self._applied_once = self._apply
            else:
                self._applied_once = self._idempotent_apply(persistence)
        return self._applied_once

    def _idempotent_apply(
        self, persistence: "BasePersistenceLayer | Callable[[], BasePersistenceLayer]"
    ) -> Callable[..., dict[str, Any]]:
        # Only here: a rare path for the Engage handlers (resends, erasures), never taken by the router, the consent
        # consumer or the stock relay, so their cold start does not load Powertools' idempotency (issue 18).
        from aws_lambda_powertools.utilities.idempotency import (  # noqa: PLC0415
            IdempotencyConfig,
            idempotent_function,
        )
        from aws_lambda_powertools.utilities.idempotency.exceptions import (  # noqa: PLC0415
            IdempotencyAlreadyInProgressError,
        )
        from aws_lambda_powertools.utilities.idempotency.persistence.base import (  # noqa: PLC0415
            BasePersistenceLayer,
        )

        self._idempotency = IdempotencyConfig(
            event_key_jmespath="business_key",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=IDEMPOTENCY_SECONDS,
            response_hook=self._on_duplicate,
        )
        if self._context is not None:
            self._idempotency.register_lambda_context(self._context)
        self._retryable = (*_RETRYABLE_ERRORS, IdempotencyAlreadyInProgressError)
        self._expected_waits = (*_EXPECTED_WAITS, IdempotencyAlreadyInProgressError)
        store = persistence if isinstance(persistence, BasePersistenceLayer) else persistence()
        applied: Callable[..., dict[str, Any]] = idempotent_function(
            data_keyword_argument="key", persistence_store=store, config=self._idempotency
        )(self._apply)
        return applied

    def _claim_seconds(self) -> float:
        """A claim lasts as long as this invocation may run, as Powertools' in-progress records do."""
        context = self._context
        remaining_ms = context.get_remaining_time_in_millis() if context is not None else 60_000
        return max(remaining_ms / 1000, 1.0)

    def _last_receive(self, record: SQSRecord) -> bool:
        if self._max_receive_count is None:
            return False
        return int(record.attributes.approximate_receive_count or 1) >= self._max_receive_count

    def _dead_lettered_predecessor(self, record: SQSRecord, error: PredecessorPending) -> str | None:
        """The business key of an awaited effect whose letter is in a DLQ from this redrive round or a later one
        (an older round's mark is one a redrive of both has yet to clear: wait for it); None if none is."""
        if self._marks is None:
            return None
        round_ = _redrive_count(record)
        for waited in error.waiting_for_keys:
            held = self._marks.redrive_count(waited)
            if held is not None and held >= round_:
                return waited
        return None

    def _postpone(self, record: SQSRecord, *, own_work: bool) -> int | None:
        """Hide the record for its next interval; None (the queue's visibility timeout applies) if that fails."""
        if self._retry_later is None:
            return None
        try:
            receive_count = int(record.attributes.approximate_receive_count or 1)
            return self._retry_later.postpone(record.receipt_handle, receive_count, own_work=own_work)
        except Exception as error:  # the record must still be reported failed; SQS retries it anyway
            self._logger.warning(
                "could not schedule the retry; the queue's visibility timeout applies",
                extra={"failure": type(error).__name__},
            )
            return None

    def _apply(self, key: dict[str, str], message: M) -> dict[str, str]:
        return self._effect(message).as_dict()

    def _dead_letter(self, record: SQSRecord, key: str, dead_letter: DeadLetter) -> None:
        marks = self._marks if key else None  # a body that did not parse has no business key to mark
        if marks is not None and not marks.take(key, record.message_id, _redrive_count(record)):
            # Another copy of this effect is in the DLQ already, with the same reason: one letter per effect.
            self._count("Skipped", "already_dead_lettered")
            self._logger.info(
                "already dead-lettered by another copy", extra={"business_key": key, "reason": dead_letter.reason}
            )
            return
        try:
            self._send_dead_letter(record, key, dead_letter)
        except Exception:
            if marks is not None:
                marks.release(key, record.message_id)
            raise
        if marks is not None:
            marks.confirm(key, record.message_id)

    def _send_dead_letter(self, record: SQSRecord, key: str, dead_letter: DeadLetter) -> None:
        attributes = {
            "reason": dead_letter.reason,
            "detail": dead_letter.detail[:1000],
            "business_key": key,
            "source_message_id": record.message_id,
        }
        if dead_letter.validation_errors:
            attributes["validation_errors"] = dead_letter.validation_errors[:4000]
        # If this send fails the exception marks the record failed: it stays in the source queue, never lost.
        self._dead_letters.send(record.body, attributes)
        self._count("DeadLettered", dead_letter.reason)
        self._logger.error(
            "sent to the dead-letter queue",
            extra={"business_key": key, "reason": dead_letter.reason, "detail": dead_letter.detail},
        )

    def _on_duplicate(self, response: Any, idempotent_data: "DataRecord") -> Any:
        # A replay is this record's outcome: counting it here *and* replaying the first record's outcome would
        # count one record twice (Skipped/duplicate plus, say, Sent), inflating Sent by every redelivery.
        return Outcome("skipped", "duplicate").as_dict()

    def _count(self, name: str, reason: str) -> None:
        count(name, reason, of=self._metrics)


def _redrive_count(record: SQSRecord) -> int:
    """How often ``engage-bridge dlq redrive`` sent this message back (its ``redrive_count`` attribute); 0 if never."""
    attribute = (record.raw_event.get("messageAttributes") or {}).get("redrive_count") or {}
    value = str(attribute.get("stringValue") or "")
    return int(value) if value.isdigit() else 0


def _describe(error: ValidationError) -> str:
    """Where and why a body failed to parse, without echoing its values (they may be personal data)."""
    first = error.errors(include_url=False, include_input=False, include_context=False)[:3]
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '<body>'}: {e['msg']}" for e in first)
