"""Many objects in one request (``CentraClient.read_together``), against the Centra fake, which validates every
document on the contract schema: each object answered as its own read answers it, and a part that cannot be
answered left out (read alone by its caller), never failing the others."""

from typing import Any

import httpx
import pytest

from engage_bridge.centra.together import OBJECTS_PER_REQUEST, CentraRef, ObjectAnswer
from engage_bridge_tools.centra_fake.fake import CentraFake
from tests.unit.centra.fake_support import FakeCentraTransport, client_of

EVERY_KIND = [
    CentraRef("order", 1001),
    CentraRef("shipment", 2),
    CentraRef("return", 1),
    CentraRef("customer", 3),
    CentraRef("newsletter_subscription", 1),
]


@pytest.fixture
def fake() -> CentraFake:
    return CentraFake.from_file()


def test_every_kind_is_read_in_one_request_then_the_orders_shipments_in_one_more(fake: CentraFake) -> None:
    transport = FakeCentraTransport(fake)
    answers = client_of(transport).read_together([*EVERY_KIND, CentraRef("order", 1002)])
    together = transport.operations

    alone = client_of(FakeCentraTransport(fake))
    assert together == ["RouterObjects", "OrderShipments"]
    assert fake.refused == []  # the aliased document is valid on the contract, as the fake serves it
    assert answers[CentraRef("order", 1001)].order() == alone.order(1001)
    assert answers[CentraRef("order", 1002)].order() == alone.order(1002)
    assert answers[CentraRef("shipment", 2)].order() == alone.shipment_order(2)
    assert answers[CentraRef("return", 1)].order() == alone.return_order(1)
    customer = answers[CentraRef("customer", 3)]
    assert (customer.customer(), customer.anonymised) == alone.customer_and_anonymised(3)
    assert answers[CentraRef("newsletter_subscription", 1)].newsletter_subscription() == (
        alone.newsletter_subscription(1)
    )
    order = answers[CentraRef("order", 1001)].order()
    assert order is not None and [s.id for s in order.shipments] == [1, 2]


def test_objects_centra_does_not_have_are_answered_as_none(fake: CentraFake) -> None:
    missing = [CentraRef(ref.kind, 999_999) for ref in EVERY_KIND]

    answers = client_of(FakeCentraTransport(fake)).read_together(missing)

    assert answers == dict.fromkeys(missing, ObjectAnswer(None))
    assert [answers[ref].order() for ref in missing[:3]] == [None, None, None]


def test_an_anonymised_customer_is_answered_as_such(fake: CentraFake) -> None:
    fake.anonymize_customer(3)

    answer = client_of(FakeCentraTransport(fake)).read_together([CentraRef("customer", 3)])[CentraRef("customer", 3)]

    assert answer.anonymised is True


def test_more_objects_than_one_request_holds_go_in_more_requests(fake: CentraFake) -> None:
    refs = [CentraRef("customer", 1 + n % 4) for n in range(OBJECTS_PER_REQUEST)]  # four distinct, asked once
    refs += [CentraRef("order", number) for number in range(1001, 1001 + OBJECTS_PER_REQUEST)]
    transport = FakeCentraTransport(fake)

    answers = client_of(transport).read_together(refs)

    assert transport.operations == ["RouterObjects", "RouterObjects", "OrderShipments"]
    assert set(answers) == set(refs)


def _part_refused(alias: str) -> Any:
    """Centra's answer with one aliased part refused: its field null, an error whose path names it."""

    def rewrite(operation: str, body: dict[str, Any]) -> httpx.Response | None:
        if operation != "RouterObjects":
            return None
        data = {**body["data"], alias: None}
        error = {"message": "You need Return:read permission", "path": [alias], "extensions": {"category": "graphql"}}
        return httpx.Response(200, json={"data": data, "errors": [error]})

    return rewrite


def test_a_part_that_errs_is_left_out_and_the_others_are_answered(fake: CentraFake) -> None:
    transport = FakeCentraTransport(fake, _part_refused("r2"))  # the third object: the return

    answers = client_of(transport).read_together(EVERY_KIND)

    assert set(answers) == set(EVERY_KIND) - {CentraRef("return", 1)}
    order = answers[CentraRef("order", 1001)].order()
    assert order is not None and order.shipments  # the other orders still got their shipments


def test_a_customers_anonymised_part_erring_leaves_the_customer_out(fake: CentraFake) -> None:
    answers = client_of(FakeCentraTransport(fake, _part_refused("a3"))).read_together(EVERY_KIND)

    assert CentraRef("customer", 3) not in answers and CentraRef("order", 1001) in answers


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(503),
        httpx.Response(200, json={"data": None, "errors": [{"message": "Internal", "path": ["o0"]}]}),
        httpx.Response(200, json={"data": {"o0": []}, "errors": [{"message": "Query too complex"}]}),
        httpx.Response(200, json={"data": "nonsense"}),
    ],
    ids=["unavailable", "no data", "an error naming no part", "unreadable"],
)
def test_a_request_that_fails_answers_nothing_and_raises_nothing(fake: CentraFake, failure: httpx.Response) -> None:
    transport = FakeCentraTransport(fake, lambda operation, body: failure if operation == "RouterObjects" else None)

    assert client_of(transport).read_together(EVERY_KIND) == {}
    assert set(transport.operations) == {"RouterObjects"}  # retried as any request when retryable; no more


def test_orders_whose_shipments_cannot_be_read_are_left_out(fake: CentraFake) -> None:
    unavailable = httpx.Response(503)
    transport = FakeCentraTransport(
        fake, lambda operation, body: unavailable if operation == "OrderShipments" else None
    )

    answers = client_of(transport).read_together(EVERY_KIND)

    assert set(answers) == {CentraRef("customer", 3), CentraRef("newsletter_subscription", 1)}


def test_a_shipment_answered_without_its_order_is_left_out(fake: CentraFake) -> None:
    def no_order(operation: str, body: dict[str, Any]) -> httpx.Response | None:
        if operation != "RouterObjects":
            return None
        return httpx.Response(200, json={"data": {**body["data"], "s1": [{"order": None}]}})

    answers = client_of(FakeCentraTransport(fake, no_order)).read_together(EVERY_KIND)

    assert CentraRef("shipment", 2) not in answers and CentraRef("order", 1001) in answers


def test_nothing_asked_sends_nothing(fake: CentraFake) -> None:
    transport = FakeCentraTransport(fake)

    assert client_of(transport).read_together([]) == {}
    assert transport.operations == []
