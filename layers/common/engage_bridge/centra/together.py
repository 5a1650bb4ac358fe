"""Many Centra objects read in one request: what is asked (``CentraRef``) and what each part answered.

The router reads the objects of one invocation's reports together (``CentraClient.read_together``): one GraphQL
request with an aliased field per object (``queries.objects_query``), then one request for the shipments of every
order among them, instead of one or two requests per report, one after the other. An object the request could
not answer (its part of the answer carried an error, or the request failed) has no ``ObjectAnswer``: its report
reads it alone, as before, and fails or is retried alone.
"""

from typing import TYPE_CHECKING, Any, Final, Literal

from msgspec import Struct

if TYPE_CHECKING:  # parsed on first use, by the report that reads the answer
    from engage_bridge.centra.customer import Customer, NewsletterSubscription
    from engage_bridge.centra.order import Order
    from engage_bridge.centra.parse import CentraKind

# What an ingest event names: an order by number; a shipment, a return (each read as its whole order), a customer
# and a newsletter subscription by id.
RefKind = Literal["order", "shipment", "return", "customer", "newsletter_subscription"]
ORDER_KINDS: Final[frozenset[RefKind]] = frozenset({"order", "shipment", "return"})

# Objects per request. Centra limits a tenant's query complexity per 10 seconds, not per request (example budget
# 150,000 points and 20 requests per 10 s: centra-api.md §1.2, S3); a list costs its limit times its items, an
# unlimited nested list ten (https://centra.dev/integration-api/query-complexity-calculation). One order with
# ``OrderFields`` costs about 1,200 points that way, so ten orders (the router's batch size) stay under a tenth of
# the example budget, the same points as ten requests of one, in one request token instead of ten.
OBJECTS_PER_REQUEST: Final = 10


class CentraRef(Struct, frozen=True):
    """One object to read: an order's number, or a shipment's, return's, customer's or subscription's id."""

    kind: RefKind
    id: int


class ObjectAnswer(Struct, frozen=True):
    """Centra's answer for one ``CentraRef``: the object's document (an order's with its shipments; for a shipment
    or a return, its order's), or None when Centra has no such object; for a customer, whether it is anonymised.

    Parsed when asked, so a document that does not fit its model fails only the report that reads it.
    """

    found: dict[str, Any] | None
    anonymised: bool = False

    def order(self) -> "Order | None":
        from engage_bridge.centra.order import Order  # noqa: PLC0415 - the order models on first use

        return None if self.found is None else parsed_as(self.found, "order", Order)

    def customer(self) -> "Customer | None":
        from engage_bridge.centra.customer import Customer  # noqa: PLC0415

        return None if self.found is None else parsed_as(self.found, "customer", Customer)

    def newsletter_subscription(self) -> "NewsletterSubscription | None":
        from engage_bridge.centra.customer import NewsletterSubscription  # noqa: PLC0415

        found = self.found
        return None if found is None else parsed_as(found, "newsletter_subscription", NewsletterSubscription)


def parsed_as[M](document: object, kind: "CentraKind", model: type[M]) -> M:
    """``document`` parsed as Centra's ``kind`` (``MappingError``, permanent and naming the field, on bad data):
    every read of the client's, batched or alone, parses through here."""
    from engage_bridge.centra.parse import parse_centra_object  # noqa: PLC0415 - every Centra model behind it

    parsed = parse_centra_object(document, kind)
    if not isinstance(parsed, model):  # pragma: no cover - parse_centra_object returns the kind's model
        raise TypeError(f"{kind} parsed as {type(parsed).__name__}")
    return parsed
