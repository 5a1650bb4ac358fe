"""The feed file: RSS 2.0 with Google's ``g:`` namespace, the format Engage's product feeds take (engage-wave2.md §6).

Written with ElementTree, which escapes every text; the elements follow Voyado's example item (``title``, ``link``,
``description``, ``g:id``, ``g:mpn``, ``g:item_group_id``, ``g:gtin``, ``g:image_link``, ``g:condition``,
``g:availability``, ``g:price``, ``g:brand``, ``g:identifier_exists``).
"""

import xml.etree.ElementTree as ET  # nosec B405 - writes the bridge's own feed, parses no XML
from collections.abc import Iterable

from engage_bridge.product_feed.items import FeedItem

GOOGLE_NAMESPACE = "http://base.google.com/ns/1.0"
ET.register_namespace("g", GOOGLE_NAMESPACE)


def _g(name: str) -> str:
    return f"{{{GOOGLE_NAMESPACE}}}{name}"


def _add(parent: ET.Element, tag: str, text: str | None) -> None:
    if text:
        ET.SubElement(parent, tag).text = text


def render(items: Iterable[FeedItem], *, locale: str, title: str, link: str) -> bytes:
    """The feed of ``locale`` as UTF-8 bytes with an XML declaration."""
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _add(channel, "title", title)
    _add(channel, "link", link)
    _add(channel, "description", f"Products for {locale}")
    _add(channel, "language", locale)
    for item in items:
        element = ET.SubElement(channel, "item")
        _add(element, "title", item.title)
        _add(element, "link", item.link)
        _add(element, "description", item.description)
        _add(element, _g("id"), item.sku)
        _add(element, _g("mpn"), item.sku)
        _add(element, _g("item_group_id"), item.group_id)
        _add(element, _g("gtin"), item.gtin)
        _add(element, _g("identifier_exists"), "yes" if item.gtin else "no")
        _add(element, _g("image_link"), item.image_link)
        _add(element, _g("brand"), item.brand)
        _add(element, _g("condition"), "new")
        _add(element, _g("availability"), item.availability)
        _add(element, _g("price"), item.price)
    ET.indent(rss, space=" ")
    document: bytes = ET.tostring(rss, encoding="UTF-8", xml_declaration=True)
    return document + b"\n"
