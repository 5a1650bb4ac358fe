"""The demo's summary in words a newcomer reads right (the JSON keeps the plain figures).

Three things read wrongly as bare figures: "retried" on a run without faults looks like trouble, an e-mail's
payment status ("ORDER_CREATED: FAILED: 2") looks like failed sends, and "(none): 0" looks like a reason called
"(none)". Each gets a sentence.
"""

from typing import Any, TextIO

# Why a record goes back to SQS for a later try on a run without injected faults, by the consumer's reason
# (the exception's name, engage_bridge.consumer). Anything else is Engage or Centra asking to slow down or failing.
RETRY_EXPLANATIONS = {
    "IdempotencyAlreadyInProgressError": (
        "the same effect was queued twice (Centra's webhook and its events both report a change) and the second "
        "copy arrived while the first was being sent; it waited, then was skipped as a duplicate"
    ),
    "ContactCreationInProgress": (
        "two messages for one new customer at once; one waited while the other created the Engage contact"
    ),
}
OTHER_RETRY = "Engage or Centra asked to slow down, failed or did not answer; SQS brings the record back later"


# Tables of counts per AWS call, left out of the run's figures.
_PER_CALL = frozenset(
    {
        "invocations",
        "aws_requests",
        "dynamodb_by_record",
        "dynamodb_refused",
        "dynamodb_eventual_reads",
        "dynamodb_batch_get_items",
        "dynamodb_effect_writes",
    }
)


def print_summary(summary: dict[str, Any], out: TextIO) -> None:
    if "storefront_subscriptions" in summary:
        _section(
            "Storefront subscriptions (POST /back-in-stock/subscriptions)", summary["storefront_subscriptions"], out
        )
    if "product_feeds" in summary:
        _section(
            "Product feeds per locale (after the restocks; GET /feeds/<token>/<locale>.xml)",
            summary["product_feeds"],
            out,
        )
    _section("Centra objects in", summary["centra_in"], out)
    engage_out = dict(summary["engage_out"])
    emails = engage_out.pop("emails", {})
    _section("Engage effects out", engage_out, out)
    _emails(emails, out)
    _reasons("Skipped (nothing to send, counted with why)", summary["skipped_by_reason"], "nothing skipped", out)
    _retries(summary.get("retried_by_reason", {}), out)
    _reasons(
        "Dead letters, by reason",
        summary["dead_letters_by_reason"],
        "none: no message ended in a dead-letter queue",
        out,
    )
    if summary.get("consent"):
        _section("Consent (an opted-out person replayed; an unsubscribe in Engage by webhook)", summary["consent"], out)
    run = {key: value for key, value in summary["run"].items() if key not in _PER_CALL}
    _section("Run", run, out)
    if summary["differences"]:
        print(f"MISMATCH: {len(summary['differences'])} difference(s) between Engage and the shop:", file=out)
        for difference in summary["differences"]:
            print(f"  - {difference}", file=out)
    else:
        print("OK: Engage holds exactly the effects the shop implies.", file=out)


def _section(title: str, values: dict[str, Any], out: TextIO, indent: str = "  ") -> None:
    print(title, file=out)
    for key, value in values.items():
        if isinstance(value, dict):
            _section(f"{indent}{key}:", value, out, indent + "  ")
        else:
            print(f"{indent}{key}: {value}", file=out)


def _emails(emails: dict[str, dict[str, int]], out: TextIO) -> None:
    """One line per order status: how many e-mails, and the payment status each carried (not a send result)."""
    print("  e-mails sent (Engage order automations), by order status and the payment status they tell of:", file=out)
    if not emails:
        print("    none", file=out)
    for status, by_payment in emails.items():
        ordered = sorted(by_payment.items(), key=lambda item: -item[1])
        payments = ", ".join(f"{count} with payment status {payment}" for payment, count in ordered)
        print(f"    {status}: {sum(by_payment.values())} sent ({payments})", file=out)
    if any(payment != "SUCCESS" for by_payment in emails.values() for payment in by_payment):
        print("    (a payment status is what the e-mail tells the customer, not whether it was sent)", file=out)


def _reasons(title: str, counts: dict[str, int], when_empty: str, out: TextIO) -> None:
    print(title, file=out)
    if not counts:
        print(f"  {when_empty}", file=out)
    for reason, count in counts.items():
        print(f"  {reason}: {count}", file=out)


def _retries(counts: dict[str, int], out: TextIO) -> None:
    print("Retried: records handed back to SQS for a later try (the progress lines count them), by reason", file=out)
    if not counts:
        print("  none", file=out)
    for reason, count in counts.items():
        print(f"  {reason}: {count}", file=out)
        print(f"    why: {RETRY_EXPLANATIONS.get(reason, OTHER_RETRY)}", file=out)
