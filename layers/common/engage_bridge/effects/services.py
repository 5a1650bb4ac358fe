"""The adapters an effect works with, built once per Lambda container (``engage_bridge.wiring``)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from engage_bridge.config import BrandConfig
from engage_bridge.engage.client import EngageClient
from engage_bridge.state import Effect, StateStore, claimed_unsent

if TYPE_CHECKING:  # built by the wiring, which loads them only into the functions whose effects use them
    from engage_bridge.consent import ConsentStore
    from engage_bridge.contacts import ContactDirectory
    from engage_bridge.messages import ResendRequest


@dataclass(frozen=True, slots=True)
class Services:
    config: BrandConfig
    engage: EngageClient
    store: StateStore
    contacts: "ContactDirectory"
    consent: "ConsentStore"

    def already_sent(self, effect: Effect, resend: "ResendRequest | None" = None) -> bool:
        """The ledger says ``effect`` went out, and no forced resend overrides it.

        Only a forced resend goes past a sent e-mail; ``engage-bridge resend`` refuses the unforced one, and
        this check still holds if the e-mail went out between that refusal check and this message.
        """
        if resend is not None and resend.force:
            return False
        if resend is None and claimed_unsent.get() == effect:
            return False  # this invocation claimed the row, which it may do only while the effect is unsent
        entry = self.store.ledger_entry(effect)
        return entry is not None and entry.state == "sent"
