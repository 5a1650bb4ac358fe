"""The product feed's format, as the evidence describes it, to check a written feed against (tests only).

Engage takes a standard XML feed "such as Google Merchant Center" at a URL it fetches; Voyado's example item is RSS
2.0 with ``xmlns:g`` and ``title``, ``link``, ``description``, ``g:id``, ``g:image_link``, ``g:condition``,
``g:availability``, ``g:price`` (``199.00 DKK``), ``g:gtin``, ``g:mpn``, ``g:item_group_id``, ... (engage-wave2.md §6,
developer.voyado.com "About product feeds"). Google's product data specification gives the values: availability
``in_stock``/``out_of_stock``/``preorder``/``backorder``, condition ``new``/``refurbished``/``used``, price
``<amount> <ISO 4217 code>``, gtin 8 to 14 digits.
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

G = "http://base.google.com/ns/1.0"
_PRICE = re.compile(r"^\d+\.\d{2} [A-Z]{3}$")
_GTIN = re.compile(r"^\d{8,14}$")
_REQUIRED = ("title", "link", "description", f"{{{G}}}id", f"{{{G}}}availability", f"{{{G}}}price")
_AVAILABILITY = {"in_stock", "out_of_stock", "preorder", "backorder"}


@dataclass(frozen=True)
class ParsedItem:
    values: dict[str, str]

    def g(self, name: str) -> str | None:
        return self.values.get(f"{{{G}}}{name}")


def feed_problems(document: bytes) -> tuple[list[str], list[ParsedItem]]:
    """Every way ``document`` departs from the format, and its items."""
    problems: list[str] = []
    if not document.startswith(b"<?xml") or b"encoding='UTF-8'" not in document.split(b"?>")[0].replace(b'"', b"'"):
        problems.append("no UTF-8 XML declaration")
    root = ET.fromstring(document)  # noqa: S314 - the bridge's own output, in a test
    if root.tag != "rss" or root.get("version") != "2.0":
        problems.append(f"root is {root.tag} version {root.get('version')}, not rss 2.0")
    if f'xmlns:g="{G}"'.encode() not in document:
        problems.append("the g: prefix is not Google's namespace")
    channels = root.findall("channel")
    if len(channels) != 1:
        return [*problems, f"{len(channels)} channels"], []
    for tag in ("title", "link", "description"):
        if not (channels[0].findtext(tag) or "").strip():
            problems.append(f"channel has no {tag}")
    items = [
        ParsedItem({child.tag: (child.text or "").strip() for child in element})
        for element in channels[0].findall("item")
    ]
    return [*problems, *_item_problems(items)], items


def _item_problems(items: list[ParsedItem]) -> list[str]:
    problems: list[str] = []
    ids: set[str] = set()
    for number, item in enumerate(items):
        values = item.values
        where = f"item {number}"
        problems.extend(f"{where}: no {tag}" for tag in _REQUIRED if not values.get(tag))
        if (item.g("availability") or "") not in _AVAILABILITY:
            problems.append(f"{where}: availability {item.g('availability')!r}")
        if not _PRICE.fullmatch(item.g("price") or ""):
            problems.append(f"{where}: price {item.g('price')!r}")
        if item.g("gtin") is not None and not _GTIN.fullmatch(item.g("gtin") or ""):
            problems.append(f"{where}: gtin {item.g('gtin')!r}")
        if item.g("condition") not in (None, "new", "refurbished", "used"):
            problems.append(f"{where}: condition {item.g('condition')!r}")
        if not values.get("link", "").startswith("https://"):
            problems.append(f"{where}: link is not https")
        if (item.g("id") or "") in ids:
            problems.append(f"{where}: id {item.g('id')} twice")
        ids.add(item.g("id") or "")
    return problems
