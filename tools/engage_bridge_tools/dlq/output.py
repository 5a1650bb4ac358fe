"""How ``dlq`` prints: a readable summary and table, or JSON (``--json``). Personal data masked unless revealed."""

import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from engage_bridge_tools.dlq.letters import NO_REASON, DeadLetter
from engage_bridge_tools.dlq.masking import mask_body, mask_text
from engage_bridge_tools.dlq.moving import Report
from engage_bridge_tools.dlq.queues import Queue

_REASON_NOTES = {
    NO_REASON: "no reason attribute: SQS moved it after five failed receives; see the function's logs",
}


def by_reason(letters: Sequence[DeadLetter]) -> dict[str, int]:
    """Message counts per reason, most frequent first."""
    return dict(Counter(letter.reason for letter in letters).most_common())


def summary(letter: DeadLetter, *, reveal: bool = False) -> dict[str, Any]:
    text = _text_filter(reveal)
    return {
        "message_id": letter.message_id,
        "reason": letter.reason,
        "business_key": letter.business_key,
        "detail": text(letter.detail),
        "validation_errors": [
            {key: text(value) for key, value in issue.as_dict().items()} for issue in letter.validation_errors
        ],
        "sent_at": letter.sent_at.isoformat() if letter.sent_at else None,
        "receive_count": letter.receive_count,
        "redrive_count": letter.redrive_count,
    }


def full(letter: DeadLetter, *, reveal: bool) -> dict[str, Any]:
    text = _text_filter(reveal)
    return {
        **summary(letter, reveal=reveal),
        "attributes": {name: text(_attribute_text(value)) for name, value in letter.message_attributes.items()},
        "system_attributes": dict(letter.system_attributes),
        "body": letter.body if reveal else mask_body(letter.body),
        "personal_data_masked": not reveal,
    }


def print_list(queue: Queue, report: Report, out: TextIO, *, as_json: bool) -> None:
    if as_json:
        document = {
            "queue": queue.url,
            "count": len(report.seen),
            "by_reason": by_reason(report.seen),
            "messages": [summary(letter) for letter in report.seen],
            "complete": report.exhausted,
        }
        print(json.dumps(document, ensure_ascii=False, indent=2), file=out)
        return
    print(f"{queue.label}: {_messages(len(report.seen))}", file=out)
    _print_reasons(report.seen, out)
    for letter in report.seen:
        print(file=out)
        sent = letter.sent_at.strftime("%Y-%m-%d %H:%M:%S UTC") if letter.sent_at else "?"
        print(f"{letter.message_id}  {letter.reason}  {letter.business_key or '-'}", file=out)
        print(f"    sent {sent}, received {letter.receive_count}x, redriven {letter.redrive_count}x", file=out)
        if letter.detail:
            print(f"    detail: {mask_text(letter.detail)}", file=out)
        for issue in letter.validation_errors:
            print(f"    validation: {_issue(issue.code, issue.field, mask_text(issue.description))}", file=out)


def print_message(letter: DeadLetter, out: TextIO, *, reveal: bool, as_json: bool) -> None:
    document = full(letter, reveal=reveal)
    if as_json:
        print(json.dumps(document, ensure_ascii=False, indent=2), file=out)
        return
    for label, key in (("message", "message_id"), ("reason", "reason"), ("business key", "business_key")):
        print(f"{label:<14}{document[key] or '-'}", file=out)
    print(f"{'sent':<14}{document['sent_at'] or '?'} (received {letter.receive_count}x)", file=out)
    print(f"{'detail':<14}{document['detail'] or '-'}", file=out)
    for issue in document["validation_errors"]:
        print(f"{'validation':<14}{_issue(issue['code'], issue['field'], issue['description'])}", file=out)
    print("attributes", file=out)
    for name, value in sorted(document["attributes"].items()):
        print(f"  {name} = {value}", file=out)
    masked = " (personal data masked; --reveal shows it)" if not reveal else ""
    print(f"body{masked}", file=out)
    print(_pretty(document["body"]), file=out)


def print_outcome(
    verb: str, queue: Queue, report: Report, out: TextIO, *, as_json: bool, dry_run: bool = False
) -> None:
    """The result of a redrive or purge: what was selected, done, and what failed."""
    if as_json:
        document = {
            "queue": queue.url,
            "dry_run": dry_run,
            "examined": len(report.seen),
            "selected": len(report.selected),
            "selected_by_reason": by_reason(report.selected),
            "done": [letter.message_id for letter in report.done],
            "failed": [{"message_id": f.letter.message_id, "problem": f.problem} for f in report.failures],
            "complete": report.exhausted,
            "not_released": report.release_failures,
        }
        print(json.dumps(document, ensure_ascii=False, indent=2), file=out)
        return
    if dry_run:
        print(f"dry run: would {verb} {_messages(len(report.selected))} of {len(report.seen)}", file=out)
        _print_reasons(report.selected, out)
        for letter in report.selected:
            print(f"  {letter.message_id}  {letter.reason}  {letter.business_key or '-'}", file=out)
        return
    selected = f"{_messages(len(report.selected))} selected ({len(report.seen)} examined)"
    print(f"{verb}: {len(report.done)} of {selected}", file=out)
    _print_reasons(report.selected, out)
    for failure in report.failures:
        print(f"  FAILED {failure.letter.message_id} ({failure.letter.reason}): {failure.problem}", file=out)


def print_warnings(report: Report, err: TextIO) -> None:
    if not report.exhausted:
        print(
            "warning: messages came back before the queue was exhausted (the scan outlived its visibility"
            " timeout); some were not examined: run again, or raise --visibility-timeout",
            file=err,
        )
    for problem in report.release_failures:
        print(f"warning: not made visible again (it reappears when its visibility timeout ends): {problem}", file=err)


def _print_reasons(letters: Sequence[DeadLetter], out: TextIO) -> None:
    for reason, count in by_reason(letters).items():
        note = f"  ({_REASON_NOTES[reason]})" if reason in _REASON_NOTES else ""
        print(f"  {count:>5}  {reason}{note}", file=out)


def _messages(count: int) -> str:
    return f"{count} message{'' if count == 1 else 's'}"


def _issue(code: str, field: str, description: str) -> str:
    return " ".join(part for part in (code, f"at {field}:" if field else "", description) if part)


def _attribute_text(value: Any) -> str:
    if "StringValue" in value:
        return str(value["StringValue"])
    return f"<{value.get('DataType', 'Binary')}, {len(value.get('BinaryValue', b''))} bytes>"


def _text_filter(reveal: bool) -> Callable[[str], str]:
    return _unchanged if reveal else mask_text


def _unchanged(text: str) -> str:
    return text


def _pretty(body: str) -> str:
    try:
        return json.dumps(json.loads(body), ensure_ascii=False, indent=2)
    except (json.JSONDecodeError, RecursionError):
        return body
