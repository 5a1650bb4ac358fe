"""Spot-check: is a contact the ledger says was written really in Engage? (looked up by e-mail and type)

Only contacts can be checked: Engage offers no way to read an order e-mail or a receipt back by its id. A
sample keeps the check inside the Engage budget; it is drawn reproducibly (seeded by the window), so two
runs over one window check the same contacts. A contact Engage does not know becomes ``missing`` (decided by
``engage``), so it counts as drift and ``--fix`` writes it again.
"""

import random
from typing import Protocol

from engage_bridge.reconcile.expected import ContactProbe
from engage_bridge.reconcile.report import DriftReport, EffectStatus, ObjectReport, SpotCheck, summarise


class ContactLookup(Protocol):
    """The part of ``EngageClient`` the spot-check needs."""

    def find_contact_id(self, email: str, contact_type: str | None = None) -> str | None: ...


def spot_check(report: DriftReport, probes: list[ContactProbe], engage: ContactLookup, sample: int) -> DriftReport:
    """``report`` with up to ``sample`` sent contacts looked up in Engage, and those not found marked missing."""
    if sample < 1:
        raise ValueError("the spot-check sample must be at least 1")
    sent = {found.object for found in report.objects if _contact_state(found) == "sent"}
    candidates = sorted((p for p in probes if p.owner.key in sent), key=lambda probe: probe.owner.key)
    draw = random.Random(report.window.since.isoformat())  # noqa: S311 - a reproducible sample, not a secret
    chosen = draw.sample(candidates, min(sample, len(candidates)))
    not_found = sorted(p.owner.key for p in chosen if engage.find_contact_id(p.email, p.contact_type) is None)
    objects = [_mark_missing(found) if found.object in not_found else found for found in report.objects]
    result = SpotCheck(requested=sample, checked=len(chosen), found=len(chosen) - len(not_found), not_found=not_found)
    summary = summarise(objects, report.summary.untracked_effects)
    return report.model_copy(update={"objects": objects, "summary": summary, "spot_check": result})


def _contact_state(found: ObjectReport) -> str | None:
    return next((effect.state for effect in found.effects if effect.effect == "contact"), None)


def _mark_missing(found: ObjectReport) -> ObjectReport:
    effects = [
        EffectStatus(effect="contact", state="missing", reason="not_found_in_engage", at=e.at, decided_by="engage")
        if e.effect == "contact"
        else e
        for e in found.effects
    ]
    return found.model_copy(update={"effects": effects})
