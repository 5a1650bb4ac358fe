"""The contact upsert handler's message: a customer or a newsletter subscription to write, or an erasure."""

import hashlib
from typing import ClassVar, Literal

from pydantic import computed_field, model_validator

from engage_bridge.centra.customer import Customer, NewsletterSubscription
from engage_bridge.messages.base import QueuedMessage
from engage_bridge.pii import fingerprint
from engage_bridge.state import Effect, LedgerClaim


class ContactUpsert(QueuedMessage):
    """A customer record (member or transactional contact) or a newsletter subscription changed; or (``erasure``)
    a customer was deleted in Centra, and ``customer`` holds only its id (``effects.erasure``)."""

    claimed_in_ledger: ClassVar[bool] = True

    kind: Literal["customer", "newsletter", "erasure"]
    customer: Customer | None = None
    subscription: NewsletterSubscription | None = None

    @model_validator(mode="after")
    def _carries_its_object(self) -> "ContactUpsert":
        if (self.kind in ("customer", "erasure")) != (self.customer is not None) or (self.kind == "newsletter") != (
            self.subscription is not None
        ):
            raise ValueError(f"a {self.kind} upsert carries exactly its {self.kind} object")
        return self

    @property
    def email(self) -> str | None:
        holder = self.customer if self.kind != "newsletter" else self.subscription
        return holder.email if holder else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def business_key(self) -> str:
        # The content is part of the key: the same customer changed twice is two writes, not a duplicate.
        holder = self.customer if self.kind != "newsletter" else self.subscription
        content = holder.model_dump_json(by_alias=True) if holder else ""
        return f"contact:{self.kind}:{fingerprint(self.email or '')}:{fingerprint(content)}{self._resend_suffix()}"

    def _content_version(self) -> str:
        """The content's SHA-256, case kept (``business_key``'s fingerprint folds case: a name whose case was
        corrected is a write of its own)."""
        holder = self.customer if self.kind != "newsletter" else self.subscription
        content = holder.model_dump_json(by_alias=True) if holder else ""
        return hashlib.sha256(f"{self.kind}:{content}".encode()).hexdigest()[:20]

    @property
    def correlation_id(self) -> str:
        holder = self.customer if self.kind != "newsletter" else self.subscription
        return f"{self.kind}:{holder.reference if holder else '?'}"

    @property
    def ledger_claim(self) -> LedgerClaim | None:
        """A customer's or subscriber's write claims its ledger row for its content: the same content again is a
        duplicate, another content is another write. An erasure, a resend and a write without a row are keyed by
        Powertools' record instead (an erasure's report is recorded as skipped, which a claim would not answer)."""
        effect = self.ledger_effect
        if effect is None or self.kind == "erasure" or self.resend is not None:
            return None
        return LedgerClaim(effect, version=self._content_version())

    @property
    def ledger_effect(self) -> Effect | None:
        """The ledger row this write is recorded under; None where a row could not tell two people apart."""
        if self.customer is not None:
            name = "erasure" if self.kind == "erasure" else "contact"
            return None if self.customer.id is None else Effect(f"customer#{self.customer.reference}", name)
        if self.subscription is not None and self.subscription.email:
            return Effect(f"subscriber#{fingerprint(self.subscription.email)}", "contact:newsletter")
        return None
