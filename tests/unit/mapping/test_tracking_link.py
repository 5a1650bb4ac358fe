"""The shipping e-mail's tracking link: the brand's link per shipping method (Centra's Integration API has none)."""

import pytest

from engage_bridge.errors import ConfigError
from engage_bridge.mapping.orders import order_shipped, tracking_link
from tests.unit.mapping.builders import config, order


def test_the_number_fills_the_methods_link_and_is_url_encoded() -> None:
    shipped = order()
    shipment = shipped.shipments[0].model_copy(update={"tracking_number": "AB 12/3"})
    cfg = config(tracking_links={"Postnord": "https://carrier.example/track?id={tracking_number}"})

    assert tracking_link(shipped, shipment, cfg) == "https://carrier.example/track?id=AB%2012%2F3"


def test_no_number_means_no_link_unless_the_link_has_none() -> None:
    shipped = order()
    shipment = shipped.shipments[0].model_copy(update={"tracking_number": None})

    assert (
        tracking_link(shipped, shipment, config(tracking_links={"Postnord": "https://t.example/{tracking_number}"}))
        == ""
    )
    assert (
        tracking_link(shipped, shipment, config(tracking_links={"Postnord": "https://t.example/"}))
        == "https://t.example/"
    )
    assert tracking_link(shipped, shipment, config()) == ""  # a method without a link


def test_the_shipping_email_carries_it() -> None:
    shipped = order()
    cfg = config(tracking_links={"Postnord": "https://t.example/{tracking_number}"})

    body = order_shipped(shipped, shipped.shipments[0], cfg).body()

    assert body["extraData"]["trackingLinkHTML"] == "https://t.example/TRACK1"


def test_another_placeholder_is_refused_naming_the_method() -> None:
    with pytest.raises(ConfigError, match=r"tracking_links\.Postnord"):
        config(tracking_links={"Postnord": "https://t.example/{order_number}"})
