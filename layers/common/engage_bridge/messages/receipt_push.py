"""The receipt handler's message: a purchase receipt for a delivered shipment, or a return receipt."""

from typing import Literal

from pydantic import model_validator

from engage_bridge.messages.orders import AboutAnOrder
from engage_bridge.state import LedgerClaim


class ReceiptPush(AboutAnOrder):
    """A purchase receipt for a delivered shipment, or a return receipt for a completed return."""

    kind: Literal["purchase", "return"]
    shipment_id: int | None = None
    return_id: int | None = None

    @model_validator(mode="after")
    def _names_its_delivery(self) -> "ReceiptPush":
        if self.kind == "purchase" and (self.shipment_id is None or self.return_id is not None):
            raise ValueError("a purchase receipt names its shipment_id and no return_id")
        if self.kind == "return" and self.return_id is None:
            raise ValueError("a return receipt names its return_id")
        return self

    @property
    def ledger_claim(self) -> LedgerClaim | None:
        """Looked at, not claimed: Engage ignores a repeated ``uniqueReceiptId`` (engage-api.md §3.4), so a copy
        that gets past the look sends again harmlessly; the entry after the send is the receipt's one write."""
        return LedgerClaim(self.ledger_effect, claim_before=False) if self.resend is None else None

    @property
    def effect_name(self) -> str:
        if self.kind == "purchase":
            return f"receipt:purchase:shipment:{self.shipment_id}"
        return f"receipt:return:return:{self.return_id}"
