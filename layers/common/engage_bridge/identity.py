"""One contact per person: the link from a Centra customer id to the Engage member made for it.

The bridge finds contacts by e-mail (Voyado's partner guide: look up before creating). A customer who changes
e-mail in Centra would then be looked up under the new address, not found, and created again: two members,
the purchase history split between them (seed 003: changed and merged customers). So the state table keeps
``customer#<Centra customer id>`` / ``engage_contact``: the member's contact id and the fingerprint of the e-mail
last written to it. When a member write or a member's order names the customer with another e-mail, the
directory (``contacts.ContactDirectory``) moves the e-mail on that contact instead (PATCH), after checking that
Engage has no contact with the new address; if it has, the change is dead-lettered as
``email_change_conflict``, never merged silently. E-mails are stored only as fingerprints.
"""

from typing import TYPE_CHECKING, Any, Protocol

from msgspec import Struct

from engage_bridge.state import email_key

if TYPE_CHECKING:  # for the annotation only: the contact directory loads it into functions that map no customer
    from engage_bridge.centra import Customer


class ContactLink(Struct, frozen=True):
    contact_id: str
    email_fingerprint: str

    def has_email(self, email: str) -> bool:
        return self.email_fingerprint == email_key(email)


class IdentityLinks(Protocol):
    def linked(self, customer_id: str, *, consistent: bool = True) -> ContactLink | None: ...

    def link(self, customer_id: str, contact_id: str, email: str) -> None: ...

    def unlink(self, customer_id: str) -> None: ...

    def forget_address(self, email_fingerprint: str, contact_type: str) -> None: ...


class DynamoIdentityLinks:
    """``IdentityLinks`` on the stack's state table (no expiry: a customer's contact outlives any cache)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def linked(self, customer_id: str, *, consistent: bool = True) -> ContactLink | None:
        """The customer's link; ``consistent=False`` reads it eventually consistent (half a read unit), for a caller
        that needs only its contact id and reads again consistently before acting on "no link"."""
        item = self._client.get_item(TableName=self._table, Key=_key(customer_id), ConsistentRead=consistent).get(
            "Item"
        )
        if item is None:
            return None
        return ContactLink(item["contact_id"]["S"], item["email"]["S"])

    def link(self, customer_id: str, contact_id: str, email: str) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={**_key(customer_id), "contact_id": {"S": contact_id}, "email": {"S": email_key(email)}},
        )

    def unlink(self, customer_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key=_key(customer_id))

    def forget_address(self, email_fingerprint: str, contact_type: str) -> None:
        """Drop the cached contact id of an address a contact no longer has (``state``'s ``contact#`` rows): the
        address is free in Engage now, and whoever uses it next must be looked up, not given this contact."""
        key = {"pk": {"S": f"contact#{email_fingerprint}"}, "sk": {"S": f"type#{contact_type}"}}
        self._client.delete_item(TableName=self._table, Key=key)


def linked_customer_id(customer: "Customer | None") -> str | None:
    """The id a member is linked under: its Centra customer id; None for a guest or a record without id."""
    return None if customer is None or customer.id is None else str(customer.id)


def _key(customer_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"customer#{customer_id}"}, "sk": {"S": "engage_contact"}}
