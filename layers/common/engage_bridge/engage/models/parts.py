"""The parts both order and receipt bodies use: who the purchase is matched to, payments, taxes, discounts."""

from typing import Literal

from engage_bridge.engage.models.base import EngageModel, Money


class ContactMatch(EngageModel):
    match_key: str
    match_key_type: Literal["email", "contactId"]


class PaymentMethod(EngageModel):
    type: str
    description: str
    value: Money


class TaxDetail(EngageModel):
    description: str
    value: Money


class Discount(EngageModel):
    type: str = "Discount"
    description: str = "Discount"
    value: Money
