"""``engage-bridge soak``: the demo's generated shop, plus planted poison, through the local runtime under faults.

1. Generate the demo scenario and plant the poison inputs (``poison.py``).
2. Start a local session with every fault of the plan on (``plan.py``): the Engage sandbox answers 500/503,
   429 bursts, slow answers and timeouts after the effect; the SQS pollers duplicate, reorder and crash
   deliveries; the Centra fake drops webhooks and sends some changes twice.
3. Play the phases (poison with the first), draining the pipeline after each; then the consent cases
   (``demo.consent``): the opted-out person replayed, a person unsubscribing in Engage.
4. Check every promise (``checks.py``) and return the figures; ``violations`` is empty when all held.
"""

import secrets
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engage_bridge.config import BrandConfig, parse_config
from engage_bridge_tools.centra_fake.fake import DEFAULT_TOKEN
from engage_bridge_tools.demo.consent import ConsentRun, consent_checks, play_consent_cases
from engage_bridge_tools.demo.expected import expected_effects, summarize
from engage_bridge_tools.demo.feeds import write_feeds
from engage_bridge_tools.demo.scenario import PHASE_NAMES, Scenario, generate_scenario
from engage_bridge_tools.demo.storefront import take_storefront_subscriptions
from engage_bridge_tools.local.containers import InvocationStats
from engage_bridge_tools.local.dead_letters import dead_letters_of
from engage_bridge_tools.local.progress import ProgressBar
from engage_bridge_tools.local.session import LocalSession, SessionOptions, local_session
from engage_bridge_tools.soak import checks
from engage_bridge_tools.soak.log_scan import scan_log
from engage_bridge_tools.soak.plan import SoakPlan, soak_config_document
from engage_bridge_tools.soak.poison import PlantedShop, plant, without_poison

DRAIN_TIMEOUT_SECONDS = 3600.0


def run_soak(plan: SoakPlan, log_path: Path, *, progress: bool = True, api_key: str | None = None) -> dict[str, Any]:
    """Run the soak and return its figures (``violations`` empty when every promise held).

    ``api_key`` is the sandbox's key; by default one of this run's own, so finding it in the log means it leaked.
    """
    config_document = soak_config_document()
    config = parse_config(config_document)
    scenario, planted = soak_scenario(plan, config)
    api_key = api_key or secrets.token_urlsafe(24)
    options = SessionOptions(
        config=config_document,
        shop=planted.shop,
        log_path=log_path,
        time_scale=plan.time_scale,
        requests_per_second=plan.requests_per_second,
        webhook_drop_share=plan.webhook_drop_share,
        centra_repeat_share=plan.repeat_share,
        centra_seed=plan.seed,
        delivery_faults=plan.delivery_faults(),
        retry_floor_seconds=plan.retry_floor_seconds,
        sandbox_options={"api_key": api_key, "faults": plan.engage_faults()},
    )
    with local_session(options) as session:
        started = time.monotonic()
        _play(session, scenario, planted, config, progress=progress)
        consent = play_consent_cases(session, scenario)
        elapsed = time.monotonic() - started
        return _verdict(session, plan, scenario, planted, consent, config=config, api_key=api_key, elapsed=elapsed)


def soak_scenario(plan: SoakPlan, config: BrandConfig) -> tuple[Scenario, PlantedShop]:
    """The demo's scenario for the plan's size and seed, and the shop with the poison planted."""
    scenario = generate_scenario(plan.orders, plan.seed, config=config)
    return scenario, plant(scenario.shop, config)


def _play(
    session: LocalSession, scenario: Scenario, planted: PlantedShop, config: BrandConfig, *, progress: bool
) -> None:
    if session.sandbox is None or session.centra is None:
        raise RuntimeError("the soak runs on the Engage sandbox and the Centra fake")
    session.sandbox.app.seed(scenario.engage_seed)
    session.runtime.run_until_idle(DRAIN_TIMEOUT_SECONDS)  # the poller registers its event listeners
    # The storefront's subscriptions go through the endpoint under the same Engage faults (a 503 is sent again).
    write_feeds(session)  # the feed run writes the SKU index the subscription endpoint checks
    take_storefront_subscriptions(session, scenario.storefront_subscriptions, scenario.shop, config)
    last = len(scenario.phases) - 1
    for index, (name, phase) in enumerate(zip(PHASE_NAMES, scenario.phases, strict=True)):
        planted_now = planted.steps if index == 0 else planted.blanking if index == last else ()
        for step in (*phase, *planted_now):
            getattr(session.centra, step.action)(**step.kwargs)
        bar = ProgressBar(f"{name:<14}") if progress else None
        done = session.runtime.run_until_idle(DRAIN_TIMEOUT_SECONDS, on_progress=bar)
        if bar is not None:
            bar.finish(done)


def _verdict(
    session: LocalSession,
    plan: SoakPlan,
    scenario: Scenario,
    planted: PlantedShop,
    consent: ConsentRun,
    *,
    config: BrandConfig,
    api_key: str,
    elapsed: float,
) -> dict[str, Any]:
    if session.sandbox is None or session.centra is None:
        raise RuntimeError("the soak runs on the Engage sandbox and the Centra fake")
    state = session.sandbox.state()
    final_shop = session.centra.snapshot()
    expected = expected_effects(scenario, without_poison(final_shop, planted), config)
    requests = state["requests"]
    lines = session.log_lines()
    hits = scan_log(
        lines,
        secrets=[api_key, DEFAULT_TOKEN, session.endpoints.centra_webhook_secret],
        emails=[*personal_values(scenario, "email"), *planted.personal_data("email")],
        phones=[*personal_values(scenario, "phone"), *planted.personal_data("phoneNumber")],
    )
    results = [
        checks.effects_exactly_once(expected, state),
        checks.centra_refused_nothing(session.centra.refused),
        checks.restricted_orders_untouched(expected, state),
        checks.no_field_blanked(state),
        checks.lifecycle_in_order(requests, config.order_status_tags),
        checks.dead_letters_are_the_poison(dead_letters_of(session.runtime), planted.poisons),
        checks.within_budget(session.invocation_clock.sent_at("engage"), requests, plan.requests_per_second),
        checks.log_without_personal_data(hits, len(lines)),
        *consent_checks(session, scenario, consent, state, config.contact_types.member),
    ]
    deliveries = Counter(delivery.outcome for delivery in session.centra.webhook_deliveries())
    runtime = session.runtime
    return {
        "plan": plan.as_dict(),
        "injected": {
            "engage": dict(sorted(Counter(str(r["fault"]) for r in requests if r.get("fault")).items())),
            "sqs": runtime.delivery_chaos.counts() if runtime.delivery_chaos else {},
            "centra": {
                "webhooks_dropped": deliveries.get("dropped", 0),
                "webhooks_delivered": deliveries.get("delivered", 0),
                "webhooks_failed": deliveries.get("failed", 0),
                "changes_sent_twice": session.centra.repeated_changes,
            },
            "poison": [poison.label for poison in planted.poisons],
            "blanked_in_centra": len(planted.blanking),
        },
        "engage_out": summarize(state),
        "checks": {check.name: check.as_dict() for check in results},
        "run": {
            "seconds": round(elapsed, 1),
            "orders": plan.orders,
            "engage_requests": len(requests),
            "records_processed": runtime.processed,
            "records_retried": runtime.retried,
            "invocations": sum(pool.stats.invocations for pool in runtime.pools.values()),
            "function_errors": sum(pool.stats.errors for pool in runtime.pools.values()),
            "function_errors_by_function": errors_by_function(
                {name: pool.stats for name, pool in runtime.pools.items()}
            ),
            "log_lines": len(lines),
        },
        "violations": [f"{check.name}: {violation}" for check in results for violation in check.violations],
    }


def errors_by_function(stats: Mapping[str, InvocationStats]) -> dict[str, int]:
    """Invocations that raised, per function that had any: a scheduled run that met Engage's 429 twice (the changes
    feed, read every 6 s at the soak's time scale) is one, by design (the next run reads an overlapping window), and a
    longer run draws more of them; an SQS consumer's error would be news."""
    return {name: figures.errors for name, figures in sorted(stats.items()) if figures.errors}


def personal_values(scenario: Scenario, kind: str) -> list[str]:
    """Every e-mail address or phone number the scenario puts into the shop, its changes or Engage's seed."""
    found: set[str] = set()
    _collect(scenario.shop, kind, found)
    _collect(scenario.engage_seed, kind, found)
    for _, step in scenario.steps():
        _collect(step.kwargs, kind, found)
    return sorted(found)


_KEYS = {"email": ("email",), "phone": ("phoneNumber", "cellPhoneNumber", "mobilePhone")}


def _collect(value: Any, kind: str, found: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _KEYS[kind] and isinstance(item, str) and item.strip():
                found.add(item.strip())
            else:
                _collect(item, kind, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, kind, found)
