"""RSS 0.9x/1.0/2.0 and Atom feeds, via feedparser, from the fetched bytes.

feedparser gets the raw bytes plus the response headers, so it weighs the HTTP charset
against the XML declaration itself (the rules differ from HTML's, see RFC 7303). It never
gets a URL or a path: it would fetch or open it.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import feedparser
from feedparser.exceptions import ThingsNobodyCaresAboutButMe

from digests.errors import FeedError
from digests.models import Feed, FeedEntry, FetchedPage

__all__ = ["parse_feed", "looks_like_feed", "discover_feed_links", "FEED_TYPES"]

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/x-rss+xml",
    "application/x-atom+xml",
    "text/rss+xml",
    "text/atom+xml",
)
# A feed's root element, early in the document, with no <html> before it.
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF|RDF)\b", re.I)
_HTML_ROOT = re.compile(rb"<html\b", re.I)
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
    re.I | re.S,
)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def _plain(text: str | None) -> str:
    """Feed titles and summaries are often HTML; people read them as text."""
    if not text:
        return ""
    if "<" in text or "&" in text:
        text = unescape(_TAG.sub(" ", text))
    return _SPACE.sub(" ", text).strip()


def _aware(parsed) -> datetime | None:
    # feedparser normalises every date it understands to a UTC struct_time.
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=timezone.utc)
    except (TypeError, ValueError, OverflowError):
        return None


def _is_web_url(value: str | None) -> bool:
    return bool(value) and urlsplit(value).scheme in ("http", "https")


def _entry_link(entry, base: str) -> str:
    link = entry.get("link")
    if not link:
        for candidate in entry.get("links") or []:
            if candidate.get("href") and candidate.get("rel", "alternate") == "alternate":
                link = candidate["href"]
                break
    if not link and _is_web_url(entry.get("id")):  # RSS <guid isPermaLink="true">
        link = entry["id"]
    return urljoin(base, link.strip()) if link else ""


def _authors(entry) -> list[str]:
    names = [_plain(a.get("name")) for a in entry.get("authors") or [] if isinstance(a, dict)]
    if not any(names) and entry.get("author"):
        names = [_plain(entry["author"])]
    return list(dict.fromkeys(n for n in names if n))


def _ttl(channel) -> int | None:
    value = str(channel.get("ttl") or "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def parse_feed(page: FetchedPage) -> Feed:
    """The feed in ``page``; :class:`FeedError` when it is not a feed we can read.

    Entries without a link keep ``link=""`` (an RSS item may be just a description);
    relative links are made absolute against the feed's URL (or its ``xml:base``).
    """
    if page.not_modified:
        raise FeedError(f"{page.url}: not modified (HTTP 304), nothing to parse")
    if not page.content and not page.text:
        raise FeedError(f"{page.url}: empty document, not a feed")
    headers = {k.lower(): v for k, v in page.headers.items()}
    # Unlabelled bytes are read as XML that declares its own encoding (RFC 7303 rules for
    # application/xml), rather than letting feedparser flag "no Content-type" as an error.
    headers["content-type"] = page.content_type or "application/xml"
    if _is_web_url(page.url):
        headers.setdefault("content-location", page.url)
    data = page.content or page.text.encode("utf-8")
    try:
        result = feedparser.parse(io.BytesIO(data), response_headers=headers)
    except Exception as exc:  # feedparser is meant never to raise; if it does, say so clearly
        raise FeedError(f"{page.url}: feed parser crashed: {type(exc).__name__}: {exc}") from exc

    bozo = str(result.get("bozo_exception") or "ill-formed feed") if result.bozo else None
    entries = result.entries or []
    channel = result.feed
    if not entries:
        if not result.get("version") and _HTML_START.search(data[:4096]):
            raise FeedError(f"{page.url}: an HTML page, not a feed")
        # A feed that was parsed but labelled oddly (text/plain, a wrong charset) is just an
        # empty feed today; only a document the parser could not read is an error.
        harmless = isinstance(result.get("bozo_exception"), ThingsNobodyCaresAboutButMe)
        if bozo and not (harmless and result.get("version")):
            raise FeedError(f"{page.url}: not a readable feed ({bozo})")
        if not result.get("version") and not channel.get("title"):
            raise FeedError(f"{page.url}: not an RSS or Atom feed")

    base = page.url if _is_web_url(page.url) else ""
    feed_link = channel.get("link") if _is_web_url(channel.get("link")) else base
    return Feed(
        url=page.url,
        title=_plain(channel.get("title")),
        entries=[
            FeedEntry(
                link=_entry_link(entry, feed_link or base),
                title=_plain(entry.get("title")),
                guid=entry.get("id") or None,
                published=_aware(entry.get("published_parsed") or entry.get("updated_parsed")),
                summary=_plain(entry.get("summary")) or None,
                authors=_authors(entry),
            )
            for entry in entries
        ],
        ttl_minutes=_ttl(channel),
        bozo=bozo,
    )


def looks_like_feed(page: FetchedPage) -> bool:
    """True when the Content-Type says feed, or the document starts like one."""
    media = page.content_type.split(";", 1)[0].strip().lower()
    if media in FEED_TYPES:
        return True
    head = (page.content or page.text.encode("utf-8", "replace"))[:2048]
    if b"\x00" in head[:64]:  # UTF-16/32: sniff the decoded text instead
        head = page.text[:2048].encode("utf-8", "replace")
    feed = _FEED_ROOT.search(head)
    html = _HTML_ROOT.search(head)
    return bool(feed) and (html is None or feed.start() < html.start())


class _AlternateLinks(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base_url
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and a.get("href"):
            self.base = urljoin(self.base, a["href"].strip())
        elif tag == "link":
            rel = a.get("rel", "").lower().split()
            kind = a.get("type", "").split(";", 1)[0].strip().lower()
            if "alternate" in rel and kind in FEED_TYPES and a.get("href", "").strip():
                self.links.append(urljoin(self.base, a["href"].strip()))


def discover_feed_links(html: str, base_url: str) -> list[str]:
    """Feed URLs a page advertises with ``<link rel="alternate" type="application/rss+xml">``
    (and Atom/RDF), absolute and de-duplicated, in page order."""
    parser = _AlternateLinks(base_url)
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser copes with nearly anything; keep what it found
        pass
    return list(dict.fromkeys(parser.links))
