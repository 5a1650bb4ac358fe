"""Issue 17's cases in a demo or soak run: the opted-out person replayed, an e-mail change, a preference webhook.

After the phases, the opted-out person (``Scenario.opted_out``) is replayed the way an operator would, with
``engage-bridge resend``: their contact sync and their order's purchase receipt go through the handlers again. Then
the second person unsubscribes in the Engage sandbox, which sends ``contact.acceptsEmail.changed`` to the stack's
``/engage/webhook``. The run is drained after each. What must hold is checked over the sandbox's request log and
state, the state table and the Centra fake (``soak.checks.opted_out_never_subscribed``,
``one_member_after_email_change``, ``preference_webhook_landed``); the e-mail change itself is a scenario step.
"""

from dataclasses import dataclass
from typing import Any

import boto3

from engage_bridge.centra.client import CentraClient
from engage_bridge.consent import DynamoConsentStore
from engage_bridge.state import DynamoStateStore
from engage_bridge_tools.demo.scenario import Scenario
from engage_bridge_tools.local.session import LocalSession
from engage_bridge_tools.resend.request import Queued, Route, Wanted, resend
from engage_bridge_tools.soak import checks

DRAIN_SECONDS = 600.0
QUEUES: dict[Route, str] = {
    "order_status": "OrderStatusQueue",
    "receipt_push": "ReceiptPushQueue",
    "contact_upsert": "ContactUpsertQueue",
}


@dataclass(frozen=True)
class ConsentRun:
    """What the consent cases did: messages replayed, and the webhook's answer (None: no delivery)."""

    replayed: int
    webhook_status: int | None
    webhook_encrypted: bool


def write_opt_outs_to_centra(document: dict[str, Any]) -> dict[str, Any]:
    """The brand configuration with ``consent.write_opt_outs_to_centra`` on (the fake serves the mutation)."""
    return {**document, "consent": {**document.get("consent", {}), "write_opt_outs_to_centra": True}}


def play_consent_cases(session: LocalSession, scenario: Scenario) -> ConsentRun:
    """Replay the opted-out person, then unsubscribe the second person in Engage; drain after each."""
    replayed = replay_opted_out(session, scenario)
    session.runtime.run_until_idle(DRAIN_SECONDS)
    status, encrypted = None, False
    if scenario.unsubscribes_in_engage is not None and session.sandbox is not None:
        (contact,) = session.sandbox.contacts_with_email(scenario.unsubscribes_in_engage.email)
        delivery = session.sandbox.change_preference(str(contact["id"]), accepts_email=False)
        if delivery is not None:
            status, encrypted = delivery.status, bool(delivery.body.get("isEncrypted"))
        session.runtime.run_until_idle(DRAIN_SECONDS)
    return ConsentRun(replayed, status, encrypted)


def replay_opted_out(session: LocalSession, scenario: Scenario) -> int:
    """``resend`` of the opted-out person's contact sync and of each purchase receipt of their orders."""
    person = scenario.opted_out
    if person is None or session.centra is None:
        return 0
    stack = session.runtime.stack
    store = DynamoStateStore(boto3.client("dynamodb"), stack.resources["StateTable"])
    queue_urls = {route: stack.queues[logical_id] for route, logical_id in QUEUES.items()}
    orders = [
        o for o in session.centra.snapshot()["orders"] if (o.get("customer") or {}).get("id") == person.customer_id
    ]
    wanted = [Wanted(kind="contact", customer=person.customer_id)]
    wanted += [
        Wanted(kind="receipt", order=int(order["number"]), shipment=int(shipment["id"]))
        for order in orders
        for shipment in order.get("shipments", [])
        if shipment.get("isShipped")
    ]
    replayed = 0
    with CentraClient(session.endpoints.centra_graphql_url, session.endpoints.centra_token) as centra:
        for item in wanted:
            result = resend(
                centra,
                store,
                boto3.client("sqs"),
                queue_urls,
                item,
                requested_by="demo",
                reason="replay of an opted-out person",
                force=False,
            )
            replayed += isinstance(result, Queued)
    return replayed


def opt_out_kept(session: LocalSession, email: str) -> str | None:
    """Where the state table's opt-out for ``email`` came from (``engage_webhook``, ...); None if none is kept."""
    table = session.runtime.stack.resources["StateTable"]
    return DynamoConsentStore(boto3.client("dynamodb"), table).consent(email).opt_out_source


def consent_checks(
    session: LocalSession, scenario: Scenario, consent: ConsentRun, state: dict[str, Any], member_type: str
) -> list[checks.Check]:
    """Issue 17: the opted-out person was never written a yes; an e-mail change left one member with every receipt;
    the preference webhook reached the state table and the Centra fake."""
    found = []
    if scenario.opted_out is not None:
        emails = [scenario.opted_out.email]
        found.append(
            checks.opted_out_never_subscribed(
                state["requests"], state.get("contacts", {}), emails, replayed=consent.replayed
            )
        )
    moved = scenario.changes_email
    if moved is not None and scenario.new_email and session.centra is not None:
        orders = [
            int(o["number"])
            for o in session.centra.snapshot()["orders"]
            if (o.get("customer") or {}).get("id") == moved.customer_id
        ]
        found.append(checks.one_member_after_email_change(state, moved.email, scenario.new_email, orders, member_type))
    if scenario.unsubscribes_in_engage is not None and session.centra is not None:
        person = scenario.unsubscribes_in_engage
        found.append(
            checks.preference_webhook_landed(
                consent.webhook_status,
                opt_out_kept(session, person.email),
                session.centra.customer_updates,
                person.customer_id,
            )
        )
    return found
