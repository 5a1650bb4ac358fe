"""``engage-bridge demo``: a generated shop through the whole bridge on one machine, checked against the shop.

1. Generate the scenario (``scenario.py``): the initial shop, the Engage tenant's existing members, promotions
   and back-in-stock subscriptions, and three phases of shop changes.
2. Start the Engage sandbox, the Centra fake and the local runtime (the template's stack in moto).
3. Take the storefront's back-in-stock subscriptions through the stack's endpoint (``storefront.py``).
4. Apply each phase's changes to the fake (each sends Centra's webhook and queues Centra's events), then run
   the pipeline until every queue is empty. Then the consent cases (``consent.py``): the person who opted out in
   Engage is replayed, and another unsubscribes in Engage, which sends an (encrypted) preference webhook.
5. Summarise: Centra objects in, Engage effects out, skips, retries and dead letters by reason, and what the
   run cost in invocations and AWS requests; compare Engage's state with what the shop implies
   (``expected.py``). Exit 1 on any difference.
"""

import json
import time
from pathlib import Path
from typing import Any

from engage_bridge.config import parse_config
from engage_bridge_tools.demo.consent import ConsentRun, consent_checks, play_consent_cases, write_opt_outs_to_centra
from engage_bridge_tools.demo.expected import compare, expected_effects
from engage_bridge_tools.demo.feeds import write_feeds
from engage_bridge_tools.demo.scenario import DEMO_CONFIG_PATH, PHASE_NAMES, Scenario, generate_scenario
from engage_bridge_tools.demo.storefront import take_storefront_subscriptions
from engage_bridge_tools.demo.summary import summarize
from engage_bridge_tools.local.dead_letters import dead_letters_of, reasons
from engage_bridge_tools.local.engage_rate import mean_requests_per_second, peak_requests_per_second
from engage_bridge_tools.local.function_output import totals_by_reason
from engage_bridge_tools.local.progress import ProgressBar
from engage_bridge_tools.local.session import LocalSession, SessionOptions, local_session
from engage_bridge_tools.sandbox.faults import FaultPlan

DRAIN_TIMEOUT_SECONDS = 1800.0
# Engage's 32-character key for encrypted preference webhooks: the demo's tenant encrypts them (isEncrypted: true).
DEMO_WEBHOOK_ENCRYPTION_KEY = "demo-engage-webhook-key-32-chars"  # local emulators only


def run_demo(
    orders: int,
    seed: int,
    log_path: Path,
    *,
    requests_per_second: float = 40,
    sandbox_latency: float = 0.0,
    timing_as_deployed: bool = False,
) -> dict[str, Any]:
    """Run the demo and return its summary (``differences`` empty when Engage holds exactly what it should)."""
    config_document = write_opt_outs_to_centra(json.loads(DEMO_CONFIG_PATH.read_text(encoding="utf-8")))
    config = parse_config(config_document)
    scenario = generate_scenario(orders, seed, config=config)
    options = SessionOptions(
        config=config_document,
        shop=scenario.shop,
        log_path=log_path,
        requests_per_second=requests_per_second,
        # Engage's latency, if any: every answer held back this long (the sandbox's "slow" fault on every request).
        sandbox_options={"faults": FaultPlan(slow_rate=1.0, slow_seconds=sandbox_latency)} if sandbox_latency else None,
        engage_webhook_encryption_key=DEMO_WEBHOOK_ENCRYPTION_KEY,
        timing_as_deployed=timing_as_deployed,
    )
    with local_session(options) as session:
        started = time.monotonic()
        storefront = _play(session, scenario, config)
        consent = play_consent_cases(session, scenario)
        elapsed = time.monotonic() - started
        # After the restocks: each locale's file as Engage would fetch it now, copied next to the log.
        feeds = write_feeds(session, log_path.parent / "demo-feeds")
        summary = _summary(session, scenario, config=config, elapsed=elapsed, requests_per_second=requests_per_second)
        consent_summary = _consent(session, scenario, consent, summary, config.contact_types.member)
        return {
            "storefront_subscriptions": storefront,
            "product_feeds": feeds,
            "consent": consent_summary,
            **summary,
        }


def _play(session: LocalSession, scenario: Scenario, config: Any) -> dict[str, int]:
    """Play the scenario; return the storefront's subscription answers by status."""
    if session.sandbox is None or session.centra is None:
        raise RuntimeError("the demo runs on the Engage sandbox and the Centra fake")
    session.sandbox.app.seed(scenario.engage_seed)
    session.runtime.run_until_idle(DRAIN_TIMEOUT_SECONDS)  # the poller registers its event listeners
    write_feeds(session)  # the feed run writes the SKU index the subscription endpoint checks
    storefront = take_storefront_subscriptions(session, scenario.storefront_subscriptions, scenario.shop, config)
    for name, phase in zip(PHASE_NAMES, scenario.phases, strict=True):
        for step in phase:
            getattr(session.centra, step.action)(**step.kwargs)
        bar = ProgressBar(f"{name:<14}")
        bar.finish(session.runtime.run_until_idle(DRAIN_TIMEOUT_SECONDS, on_progress=bar))
    return storefront


def _summary(
    session: LocalSession,
    scenario: Scenario,
    *,
    config: Any,
    elapsed: float,
    requests_per_second: float,
) -> dict[str, Any]:
    if session.sandbox is None or session.centra is None:
        raise RuntimeError("the demo runs on the Engage sandbox and the Centra fake")
    shop = session.centra.snapshot()
    state = session.sandbox.state()
    differences = [str(difference) for difference in compare(expected_effects(scenario, shop, config), state)]
    # The fake serves only Centra's published contract: a document it refused is a bridge mistake, and fails the run.
    differences += [
        f"Centra refused {operation}: {'; '.join(messages)}" for operation, messages in session.centra.refused
    ]
    lines = session.log_lines()
    engage_requests = state["requests"]
    dead = dead_letters_of(session.runtime)
    return {
        "centra_in": _centra_objects(shop),
        "engage_out": summarize(state),
        "skipped_by_reason": totals_by_reason(lines, "Skipped"),
        "retried_by_reason": totals_by_reason(lines, "Retried"),
        "dead_letters_by_reason": reasons(dead),
        "run": {
            "seconds": round(elapsed, 1),
            "orders": len(shop.get("orders", [])),
            "orders_per_second": round(len(shop.get("orders", [])) / elapsed, 2) if elapsed else None,
            "engage_requests": len(engage_requests),
            "engage_requests_per_order": round(len(engage_requests) / max(1, len(shop.get("orders", []))), 2),
            "engage_budget_per_second": requests_per_second,
            "engage_peak_per_second": peak_requests_per_second(engage_requests),
            "engage_mean_per_second": round(mean_requests_per_second(engage_requests), 2),
            "invocations": {name: pool.stats.as_dict() for name, pool in session.runtime.pools.items()},
            "aws_requests": session.aws_calls.snapshot(),
            "dynamodb_by_record": session.aws_calls.dynamodb_by_record(),
            "dynamodb_refused": session.aws_calls.dynamodb_refused(),
            "dynamodb_eventual_reads": session.aws_calls.dynamodb_eventual_reads(),
            "dynamodb_batch_get_items": session.aws_calls.dynamodb_batch_get_items(),
            "dynamodb_effect_writes": session.aws_calls.dynamodb_effect_writes(),
            "log_bytes": session.log_path.stat().st_size,
        },
        "differences": differences,
    }


def _consent(
    session: LocalSession, scenario: Scenario, consent: ConsentRun, summary: dict[str, Any], member_type: str
) -> dict[str, Any]:
    """Issue 17's checks with their figures; a broken promise is also a difference (exit 1)."""
    if session.sandbox is None:
        return {}
    found = consent_checks(session, scenario, consent, session.sandbox.state(), member_type)
    summary["differences"] += [f"{check.name}: {violation}" for check in found for violation in check.violations]
    return {"webhook_encrypted": consent.webhook_encrypted, **{check.name: check.as_dict() for check in found}}


def _centra_objects(shop: dict[str, Any]) -> dict[str, int]:
    orders = shop.get("orders", [])
    return {
        "customers": len(shop.get("customers", [])),
        "newsletter_subscriptions": len(shop.get("newsletterSubscriptions", [])),
        "orders": len(orders),
        "shipments": sum(len(order.get("shipments", [])) for order in orders),
        "returns": sum(len(order.get("returns", [])) for order in orders),
        "stock_levels": len(shop.get("stock", [])),
    }
