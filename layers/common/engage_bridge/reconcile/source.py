"""Reading a window of Centra: orders created or updated in it, customers updated in it, page by page.

Orders are read twice over — created in the window, and updated in it — because a shipment or return of an
older order changes (updates) that order: a daily run must see yesterday's shipments of last week's orders.
An order in both lists is compared once. Newsletter subscriptions are not read: Centra's filter has no date,
so a window would mean reading every subscription there is (docs/reconcile.md).
"""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Protocol

from engage_bridge.centra import Customer, Order
from engage_bridge.centra.client import MAX_LIMIT


class CentraWindowReader(Protocol):
    """The paging part of ``CentraClient`` reconciliation reads with."""

    def orders_created_between(
        self, from_: datetime, to: datetime, *, page: int = 1, limit: int = 100
    ) -> list[Order]: ...

    def orders_updated_between(
        self, from_: datetime, to: datetime, *, page: int = 1, limit: int = 100
    ) -> list[Order]: ...

    def customers_updated_between(
        self, from_: datetime, to: datetime, *, page: int = 1, limit: int = 100
    ) -> list[Customer]: ...


def order_pages(centra: CentraWindowReader, since: datetime, until: datetime) -> Iterator[list[Order]]:
    """Pages of distinct orders: created in the window, then updated in it (those not seen already)."""
    seen: set[int] = set()
    for read in (centra.orders_created_between, centra.orders_updated_between):
        for page in _pages(read, since, until):
            fresh = [order for order in page if order.number not in seen]
            seen.update(order.number for order in fresh)
            if fresh:
                yield fresh


def customer_pages(centra: CentraWindowReader, since: datetime, until: datetime) -> Iterator[list[Customer]]:
    yield from _pages(centra.customers_updated_between, since, until)


def _pages[T](read: Callable[..., list[T]], since: datetime, until: datetime) -> Iterator[list[T]]:
    page = 1
    while True:
        items = read(since, until, page=page, limit=MAX_LIMIT)
        if items:
            yield items
        if len(items) < MAX_LIMIT:
            return
        page += 1
