"""Engage effects by kind, read from the sandbox's state (``GET /_sandbox/state``): the demo's "out" figures."""

from collections import Counter
from typing import Any


def summarize(sandbox_state: dict[str, Any]) -> dict[str, Any]:
    """Contacts created/updated, e-mails per status, receipts, redemptions, stock levels, back-in-stock notifications.

    Seeded objects (contacts and promotions the run started with) are not counted as effects.
    """
    contacts = list(sandbox_state.get("contacts", {}).values())
    created = [c for c in contacts if (c.get("meta") or {}).get("source") != "sandbox"]
    emails: dict[str, Counter[str]] = {}
    for automation in sandbox_state.get("automations", []):
        emails.setdefault(str(automation["orderStatus"]), Counter())[str(automation["paymentStatus"])] += 1
    receipts = Counter(_receipt_kind(body) for body in sandbox_state.get("receipts", {}).values())
    stock_puts = [
        r
        for r in sandbox_state.get("requests", [])
        if r.get("method") == "PUT" and "/stock-levels" in str(r.get("path"))
    ]
    return {
        "contacts": {
            "created": len(created),
            "created_by_type": dict(sorted(Counter(str(c.get("contactType")) for c in created).items())),
            "updated": sum(1 for c in contacts if c.get("patches")),
            "field_updates": sum(len(c.get("patches") or []) for c in contacts),
            "second_creates_refused": len(sandbox_state.get("duplicate_creates", [])),
        },
        "emails": {status: dict(sorted(counts.items())) for status, counts in sorted(emails.items())},
        "receipts": {
            "purchase": receipts.get("purchase", 0),
            "return": receipts.get("return", 0),
            "repeats_ignored": len(sandbox_state.get("duplicate_receipts", [])),
            "waiting_for_import": len(sandbox_state.get("receipt_queue", [])),
            "import_failures": sum(1 for e in sandbox_state.get("integration_log", []) if e.get("status") == "Failed"),
        },
        "redemptions": sum(1 for p in sandbox_state.get("promotions", {}).values() if p.get("redeemedVia")),
        "stock_levels": {
            "levels": len(sandbox_state.get("stock_levels", {})),
            "updates_accepted": sum(1 for r in stock_puts if 200 <= int(r.get("status") or 0) < 300),
        },
        "back_in_stock": {
            "notifications": len(sandbox_state.get("back_in_stock_notifications", [])),
            "subscriptions_left": len(sandbox_state.get("subscriptions", {})),
        },
    }


def _receipt_kind(body: dict[str, Any]) -> str:
    kinds = {str(item.get("type", "")).lower() for item in body.get("items") or []}
    return "return" if kinds == {"return"} else "purchase"
