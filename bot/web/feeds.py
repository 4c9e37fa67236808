"""Atom feeds of archived digests (RFC 4287): all digests, and those of subscriptions
filtering on one keyword. Built with ElementTree, which escapes every text and attribute;
each entry's content is the digest rendered by an autoescaped template (type="html")."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote
from xml.etree import ElementTree as ET

from aiohttp import web

from bot.web.app import STATE
from digests.store.archive import ArchivedDigest

__all__ = ["ATOM_NS", "add_routes", "atom_feed"]

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 50
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def atom_feed(digests: list[ArchivedDigest], *, origin: str, self_path: str, title: str, author: str,
              render_content) -> bytes:
    """The feed document; ``render_content(digest) -> str`` gives an entry's HTML."""
    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    _sub(feed, "id", f"{origin}{self_path}")
    _sub(feed, "title", title)
    newest = max((d.created_at or d.until for d in digests), default=datetime(2000, 1, 1, tzinfo=UTC))
    _sub(feed, "updated", _stamp(newest))
    _sub(_sub(feed, "author"), "name", author)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=f"{origin}{self_path}")
    _sub(feed, "link", rel="alternate", type="text/html", href=f"{origin}/digests")
    _sub(feed, "generator", "newsdigest")
    for d in digests:
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"{origin}/digests/{d.slug}")
        _sub(entry, "title", d.title)
        _sub(entry, "updated", _stamp(d.created_at or d.until))
        _sub(entry, "published", _stamp(d.created_at or d.until))
        _sub(entry, "link", rel="alternate", type="text/html", href=f"{origin}/digests/{d.slug}")
        headlines = "; ".join(str(item.get("headline", "")) for item in d.items[:5])
        _sub(entry, "summary", headlines or "No stories in this window.", type="text")
        # The HTML links to the archive with relative URLs: xml:base resolves them (RFC 4287 §2).
        _sub(entry, "content", render_content(d), type="html", **{_XML_BASE: f"{origin}/"})
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False)


async def _serve(request: web.Request, keyword: str | None) -> web.Response:
    state = request.app[STATE]
    rows, _total = await state.archive.digests_page(1, FEED_ENTRIES, keyword=keyword)
    template = state.templates.get_template("feed_entry.html")
    title = state.settings.site_title + (f": {keyword}" if keyword else "")
    path = f"/feeds/keywords/{quote(keyword, safe='')}.atom" if keyword else "/feeds/digests.atom"
    body = atom_feed(rows, origin=state.origin(request), self_path=path, title=title, author=state.settings.site_title,
                     render_content=lambda d: template.render(digest=d, origin=state.origin(request)))
    return web.Response(body=body, content_type="application/atom+xml", charset="utf-8")


async def all_digests(request: web.Request) -> web.Response:
    return await _serve(request, None)


async def keyword_digests(request: web.Request) -> web.Response:
    keyword = " ".join(request.match_info["keyword"].split())[:100]
    if not keyword:
        raise web.HTTPNotFound()
    return await _serve(request, keyword)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/feeds/digests.atom", all_digests)
    app.router.add_get("/feeds/keywords/{keyword}.atom", keyword_digests)
