"""The adapters an effect works with, built once per Lambda container (``engage_bridge.wiring``)."""

from dataclasses import dataclass

from engage_bridge.config import BrandConfig
from engage_bridge.contacts import ContactDirectory
from engage_bridge.engage.client import EngageClient
from engage_bridge.state import Effect, StateStore


@dataclass(frozen=True, slots=True)
class Services:
    config: BrandConfig
    engage: EngageClient
    store: StateStore
    contacts: ContactDirectory

    def already_sent(self, effect: Effect) -> bool:
        entry = self.store.ledger_entry(effect)
        return entry is not None and entry.state == "sent"
