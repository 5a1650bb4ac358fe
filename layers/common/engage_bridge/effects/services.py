"""The adapters an effect works with, built once per Lambda container (``engage_bridge.wiring``)."""

from typing import TYPE_CHECKING

from msgspec import Struct

from engage_bridge.config import BrandConfig
from engage_bridge.engage.client import EngageClient
from engage_bridge.state import Effect, LedgerEntry, StateStore, claimed_row

if TYPE_CHECKING:  # built by the wiring, which loads them only into the functions whose effects use them
    from engage_bridge.consent import ConsentStore
    from engage_bridge.contacts import ContactDirectory
    from engage_bridge.messages import ResendRequest


class Services(Struct, frozen=True):
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
        entry = self.ledger_entry(effect)
        return entry is not None and entry.state == "sent"

    def ledger_entry(self, effect: Effect) -> LedgerEntry | None:
        """The effect's ledger entry: the one its claim took over if this invocation claimed the row (never sent:
        the claim refuses a sent row), else read, strongly consistent (a resend, an effect claimed by no row)."""
        claimed = claimed_row.get()
        if claimed is not None and claimed.effect == effect:
            return claimed.before
        return self.store.ledger_entry(effect)
