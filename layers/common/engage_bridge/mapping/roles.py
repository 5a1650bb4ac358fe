"""Which Engage contact a Centra customer becomes (seed 001's ``contact_sync`` rules), and the contact id the front
end stored on them.

Apart from the bodies in ``contacts``: the router decides by a customer's role and builds no Engage body, so it does
not define the Engage contact models at cold start (issue 18).
"""

import re
from typing import Literal

from engage_bridge.centra.customer import Customer
from engage_bridge.config import BrandConfig
from engage_bridge.errors import MappingError

ContactRole = Literal["member", "transactional"]

_CONTACT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")


def contact_role(customer: Customer | None, cfg: BrandConfig) -> ContactRole | None:
    """Member per ``contact_sync``; everyone else is a transactional contact if e-mails are on, else nobody."""
    sync = cfg.contact_sync
    is_member = (
        sync == "all"
        or (sync == "registered" and customer is not None and customer.registered is True)
        or (sync == "with_engage_id" and known_contact_id(customer, cfg) is not None)
    )
    if is_member:
        return "member"
    return "transactional" if cfg.transactional_emails else None


def known_contact_id(customer: Customer | None, cfg: BrandConfig) -> str | None:
    """The Engage contact id the front end stored on the customer; it goes into URL paths, so it must be an id."""
    contact_id = customer.attribute(cfg.contact_id_attribute) if customer is not None else None
    if contact_id is None:
        return None
    if not _CONTACT_ID.match(contact_id):
        raise MappingError(
            "customer", customer.reference if customer else "?", f"attributes.{cfg.contact_id_attribute}", "not an id"
        )
    return contact_id
