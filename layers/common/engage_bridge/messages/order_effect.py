"""What the three order handlers' messages share: an effect keyed, logged and recorded under one order.

Apart from the messages that carry the Centra order (``orders``), so the redemption handler, whose message names
its order by number, defines none of the Centra order and customer models (issue 18, cold start).
"""

from abc import abstractmethod
from typing import ClassVar

from pydantic import computed_field

from engage_bridge.messages.base import QueuedMessage
from engage_bridge.state import Effect, LedgerClaim


class OrderEffect(QueuedMessage):
    """A message whose effect belongs to one order: keyed, logged and recorded in the ledger under it."""

    claimed_in_ledger: ClassVar[bool] = True

    @property
    def ledger_claim(self) -> LedgerClaim | None:
        return LedgerClaim(self.ledger_effect) if self.resend is None else None

    @abstractmethod
    def _order_id(self) -> int:
        """The order's number."""

    @property
    @abstractmethod
    def effect_name(self) -> str:
        """Which effect on that order, e.g. ``email:shipped:shipment:3101``."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def business_key(self) -> str:
        return f"order:{self._order_id()}:{self.effect_name}{self._resend_suffix()}"

    @property
    def ledger_effect(self) -> Effect:
        return Effect(f"order#{self._order_id()}", self.effect_name)

    @property
    def correlation_id(self) -> str:
        return f"order:{self._order_id()}"
