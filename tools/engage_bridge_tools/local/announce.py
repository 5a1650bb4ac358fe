"""Make a whole shop look new to the bridge: one Centra event per object, as if each had just been created.

``replay`` uses it so that a brand's own shop file goes through the real ingress path (the events poller,
then the router), not a shortcut past it.
"""

from engage_bridge_tools.centra_fake.fake import CentraFake


def announce_shop(fake: CentraFake) -> int:
    """Queue CREATED events for every customer, newsletter subscription and order, and a stock change per stock row
    (one SKU in one warehouse)."""
    announced = 0
    with fake.lock:
        shop = fake.shop
        for customer in shop.customers:
            announced += bool(fake.hub.emit("Customer", "CREATED", customer["id"], store_id=_id(customer, "store")))
        for subscription in shop.newsletter_subscriptions:
            announced += bool(fake.hub.emit("NewsletterSubscription", "CREATED", subscription["id"]))
        for order in shop.orders:
            store, market = _id(order, "store"), _id(order, "market")
            announced += bool(fake.hub.emit("Order", "CREATED", order["number"], store_id=store, market_id=market))
        levels = [
            (level["productSize"]["SKU"], level["warehouse"]["id"], level["freeToAllocateQuantity"])
            for level in shop.stock
        ]
    for sku, warehouse_id, quantity in levels:
        fake.set_stock(sku, warehouse_id, quantity)  # a StockChange event with the level as it stands
        announced += 1
    return announced


def _id(entry: dict[str, object], key: str) -> int | None:
    reference = entry.get(key)
    return reference.get("id") if isinstance(reference, dict) else None
