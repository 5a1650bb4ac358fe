"""The parts of order and receipt bodies: who the purchase is matched to, payments, taxes, discounts, fees.

Fees are here, not in ``orders``, because ``mapping.context`` builds them and the router reads that module: so the
router does not define the order bodies it never sends (issue 18).
"""

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


class Fee(EngageModel):
    value: Money
    tax: Money
