"""The router → handler contract: messages survive JSON, and business keys tell effects apart exactly."""

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from engage_bridge.centra import PaymentHistoryEntry
from engage_bridge.messages import (
    ContactUpsert,
    IngestEvent,
    OrderEmail,
    PromotionRedemption,
    ReceiptPush,
    ResendRequest,
    StockUpdate,
)
from engage_bridge.state import Effect

EVENTS = Path(__file__).resolve().parents[2] / "events"
MODELS: dict[str, type[BaseModel]] = {
    "contact_upsert": ContactUpsert,
    "order_status": OrderEmail,
    "receipt_push": ReceiptPush,
    "promotion_redemption": PromotionRedemption,
    "stock_relay": StockUpdate,
}


def _bodies(function: str) -> list[str]:
    return [record["body"] for record in json.loads((EVENTS / f"{function}.json").read_text())["Records"]]


@pytest.mark.parametrize("function", sorted(MODELS))
def test_sample_messages_round_trip_with_the_same_business_key(function: str) -> None:
    for body in _bodies(function):
        message = MODELS[function].model_validate_json(body)
        again = MODELS[function].model_validate_json(message.model_dump_json())

        assert again == message
        assert json.loads(body)["business_key"] == again.business_key  # type: ignore[attr-defined]


def _shipped_email(shipment_id: int) -> OrderEmail:
    message = OrderEmail.model_validate_json(_bodies("order_status")[1])
    order = message.order.model_copy(
        update={"shipments": [*message.order.shipments, message.order.shipments[0].model_copy(update={"id": 3102})]}
    )
    return OrderEmail(status="shipped", order=order, shipment_id=shipment_id)


def test_each_shipment_of_an_order_is_its_own_e_mail() -> None:
    assert _shipped_email(3101).business_key != _shipped_email(3102).business_key


def test_a_payment_failure_after_the_confirmation_is_its_own_e_mail() -> None:
    confirmed = OrderEmail.model_validate_json(_bodies("order_status")[0])
    declined = PaymentHistoryEntry(status="FAILED", entry_type="AUTHORIZATION")
    failed = OrderEmail(status="created", order=confirmed.order.model_copy(update={"payment_history": [declined]}))

    assert confirmed.business_key == "order:2348981:email:created:success"
    assert failed.business_key == "order:2348981:email:created:failed"


def test_ledger_and_idempotency_name_the_same_effect() -> None:
    for function in ("order_status", "receipt_push", "promotion_redemption"):
        for body in _bodies(function):
            message = MODELS[function].model_validate_json(body)
            effect = message.ledger_effect  # type: ignore[attr-defined]

            assert message.business_key == f"order:{effect.subject.removeprefix('order#')}:{effect.name}"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "broken",
    [
        {"status": "shipped"},  # which shipment?
        {"status": "created", "shipment_id": 1},
        {"status": "returned"},
    ],
)
def test_an_order_e_mail_must_name_exactly_its_delivery(broken: dict[str, object]) -> None:
    order = json.loads(_bodies("order_status")[0])["order"]

    with pytest.raises(ValidationError):
        OrderEmail.model_validate({"order": order, **broken})


def test_a_contact_upsert_carries_exactly_its_object() -> None:
    with pytest.raises(ValidationError):
        ContactUpsert.model_validate({"kind": "newsletter", "customer": {"id": 1, "email": "a@example.com"}})


def test_contact_writes_are_recorded_per_person_and_never_under_a_shared_row() -> None:
    anna = ContactUpsert.model_validate({"kind": "customer", "customer": {"id": 7, "email": "anna@example.com"}})
    no_id = ContactUpsert.model_validate({"kind": "customer", "customer": {"email": "b@example.com"}})
    also_no_id = ContactUpsert.model_validate({"kind": "customer", "customer": {"email": "c@example.com"}})
    signup = ContactUpsert.model_validate({"kind": "newsletter", "subscription": {"id": 3, "email": "d@example.com"}})

    assert anna.ledger_effect is not None and anna.ledger_effect.subject == "customer#7"
    assert no_id.ledger_effect is None and also_no_id.ledger_effect is None
    assert signup.ledger_effect is not None and "d@example.com" not in signup.ledger_effect.subject


def test_exactly_the_order_effects_and_contact_writes_are_claimed_by_their_ledger_row() -> None:
    # wiring.consumer_for builds ledger claims for these: the ledger row is the claim, no Powertools record.
    models: dict[str, type[BaseModel]] = {**MODELS, "router": IngestEvent}

    claimed = {name for name, model in models.items() if getattr(model, "claimed_in_ledger", None) is True}

    assert claimed == {"order_status", "receipt_push", "promotion_redemption", "contact_upsert"}


def test_a_contact_write_claims_its_row_for_its_content_and_an_erasure_or_resend_does_not() -> None:
    def upsert(**fields: Any) -> ContactUpsert:
        return ContactUpsert.model_validate(
            {"kind": "customer", "customer": {"id": 7, "email": "a@example.com", **fields}}
        )

    anna, again, renamed, recased = (
        upsert(firstName="Anna"),
        upsert(firstName="Anna"),
        upsert(firstName="Ann"),
        upsert(firstName="ANNA"),
    )
    claims = [m.ledger_claim for m in (anna, again, renamed, recased)]

    assert all(c is not None and c.effect == Effect("customer#7", "contact") for c in claims)
    versions = [c.version for c in claims if c is not None]
    assert versions[0] == versions[1] and len(set(versions)) == 3  # a name whose case was corrected is a write too
    erasure = ContactUpsert.model_validate({"kind": "erasure", "customer": {"id": 7}})
    resend = anna.model_copy(update={"resend": ResendRequest(request_id="r1", requested_by="ops")})
    guest = upsert(id=None)
    assert (erasure.ledger_claim, resend.ledger_claim, guest.ledger_claim) == (None, None, None)
