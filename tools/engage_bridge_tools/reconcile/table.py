"""The report as a person reads it: a summary, then one row per effect of each drifted object."""

from typing import TextIO

from engage_bridge.reconcile.report import DriftReport, ObjectReport


def print_report(report: DriftReport, out: TextIO, *, every_object: bool = False) -> None:
    summary, window = report.summary, report.window
    print(f"window      {window.since.isoformat()} .. {window.until.isoformat()}", file=out)
    print(f"objects     {summary.objects}, drifted {summary.drifted_objects}", file=out)
    states = ", ".join(f"{state} {count}" for state, count in summary.effects.items())
    print(f"effects     {states}; untracked {summary.untracked_effects}", file=out)
    for title, counts in (
        ("skipped", summary.skipped_by_reason),
        ("failed", summary.failed_by_reason),
        ("missing", summary.missing_by_effect),
    ):
        if counts:
            print(f"{title:<11} " + ", ".join(f"{key} {n}" for key, n in counts.items()), file=out)
    shown = report.objects if every_object else report.drifted
    if shown:
        print(file=out)
        _table(shown, out, only_drift=not every_object)
    if report.spot_check is not None:
        check = report.spot_check
        print(f"\nspot-check  {check.checked} of {check.requested} contacts looked up, {check.found} found", file=out)
        print(f"            {check.note}", file=out)
    if report.fix is not None:
        fix = report.fix
        print(f"\nfix         {len(fix.enqueued)} object(s) re-enqueued on the ingest queue", file=out)
        for refused in fix.not_enqueued:
            print(f"            not enqueued: {refused.object} ({refused.reason})", file=out)
        if fix.failed_not_retried:
            print(f"            {fix.failed_not_retried} failed effect(s) not retried: {fix.note}", file=out)


def _table(objects: list[ObjectReport], out: TextIO, *, only_drift: bool) -> None:
    rows = [("object", "e-mail", "effect", "state", "reason")]
    for found in objects:
        for effect in found.effects:
            if only_drift and effect.state not in ("missing", "failed"):
                continue
            reason = effect.reason or ("not in the ledger" if effect.state == "missing" else "")
            rows.append((found.object, found.email or "-", effect.effect, effect.state, reason))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)), row[4], file=out)
