"""OPML subscription lists, the format every feed reader imports and exports.

A source is an ``<outline>`` with an ``xmlUrl``; an outline without one is a folder, and
its title becomes the ``category`` of the sources inside it (nested folders are joined
with ``/``). ``write_opml`` writes one folder per category, so a list survives a round trip.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.utils import formatdate
from html.entities import name2codepoint

from digests.errors import FeedError

__all__ = ["OpmlOutline", "read_opml", "write_opml"]


@dataclass(frozen=True)
class OpmlOutline:
    title: str
    xml_url: str
    html_url: str | None = None
    category: str | None = None  # "News/World" for a source inside News > World


def _attr(node: ET.Element, name: str) -> str:
    # Attribute names are case-sensitive in XML, but exporters write xmlurl, XMLURL, xmlUrl...
    wanted = name.lower()
    for key, value in node.attrib.items():
        if key.lower() == wanted:
            return value.strip()
    return ""


_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
_AMPERSAND = re.compile(r"&(#[0-9]+;|#[xX][0-9a-fA-F]+;|([A-Za-z][A-Za-z0-9]*);)?")


def _repair_entities(text: str | bytes) -> str:
    """``text`` with each bare "&" escaped and each HTML named entity (&nbsp;, &eacute;)
    written as the character reference XML understands; XML's own five are kept."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    # The declaration may name the original encoding; the repaired text is a str.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)

    def fix(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return "&amp;"
        name = match.group(2)
        if name is None or name in _XML_ENTITIES:
            return match.group(0)
        codepoint = name2codepoint.get(name)
        return f"&#{codepoint};" if codepoint is not None else "&amp;" + match.group(1)

    return _AMPERSAND.sub(fix, text)


def read_opml(text: str | bytes) -> list[OpmlOutline]:
    """Every feed in an OPML document, in document order, without duplicate feed URLs. A bare
    "&" and HTML entities such as ``&nbsp;``, which real exports contain, are tolerated."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        try:  # real exports carry a bare "&" or an HTML entity such as &nbsp;: repair, retry
            root = ET.fromstring(_repair_entities(text))
        except ET.ParseError:
            raise FeedError(f"not an OPML document: {exc}") from None
    if root.tag.lower() != "opml":
        raise FeedError(f"not an OPML document: the root element is <{root.tag}>")
    body = next((child for child in root if child.tag.lower() == "body"), None)
    if body is None:
        raise FeedError("not an OPML document: no <body>")

    found: dict[str, OpmlOutline] = {}

    def walk(node: ET.Element, folders: list[str]) -> None:
        for child in node:
            if child.tag.lower() != "outline":
                continue
            title = _attr(child, "title") or _attr(child, "text")
            xml_url = _attr(child, "xmlUrl")
            if xml_url:
                category = "/".join(folders) or _attr(child, "category").strip("/") or None
                found.setdefault(
                    xml_url,
                    OpmlOutline(title or xml_url, xml_url, _attr(child, "htmlUrl") or None, category),
                )
            walk(child, folders + [title] if not xml_url and title else folders)

    walk(body, [])
    return list(found.values())


def write_opml(sources: list[OpmlOutline], title: str = "newsdigest subscriptions") -> str:
    """An OPML 2.0 document listing ``sources``, grouped in folders by category."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = formatdate(usegmt=True)
    body = ET.SubElement(root, "body")

    folders: dict[str, ET.Element] = {}

    def folder(path: str) -> ET.Element:
        if path not in folders:
            parent_path, _, name = path.rpartition("/")
            parent = folder(parent_path) if parent_path else body
            folders[path] = ET.SubElement(parent, "outline", text=name, title=name)
        return folders[path]

    for source in sources:
        parent = folder(source.category.strip("/")) if source.category and source.category.strip("/") else body
        attrs = {"type": "rss", "text": source.title, "title": source.title, "xmlUrl": source.xml_url}
        if source.html_url:
            attrs["htmlUrl"] = source.html_url
        ET.SubElement(parent, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
