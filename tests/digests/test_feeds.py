"""Feed parsing: hand-written fixtures for each format, feedparser's own real-world corpus
for robustness, and discovery/sniffing helpers."""

from __future__ import annotations

import re
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from digests.errors import FeedError
from digests.feeds import discover_feed_links, looks_like_feed, parse_feed
from digests.fetch import FetchPolicy, Fetcher
from digests.models import FetchedPage
from tests.conftest import FIXTURES, SHARED
from tests.httpserver import LocalHTTPServer

FEEDS = FIXTURES / "feeds"
CORPUS = SHARED / "corpora" / "feedparser-tests"


def page_of(name: str, url: str, content_type: str = "application/xml") -> FetchedPage:
    return FetchedPage(url=url, requested_url=url, content=(FEEDS / name).read_bytes(),
                       content_type=content_type)


def test_rss2_entries_are_complete_and_absolute():
    feed = parse_feed(page_of("rss2.xml", "https://gazette.example/feeds/all.rss"))
    assert feed.title == "Harbour Town Gazette"
    assert feed.ttl_minutes == 45 and feed.bozo is None
    ferry, cafe, notes = feed.entries
    assert ferry.link == "https://gazette.example/news/ferry-timetable"  # was relative
    assert ferry.guid == "gazette-1001"
    assert ferry.published == datetime(2025, 3, 4, 7, 30, tzinfo=timezone.utc)  # +0200 → UTC
    assert ferry.authors == ["Maria Kowalska"]
    assert ferry.summary == "The harbour authority announced new sailing times."
    assert cafe.title == "Café on Quay Street wins award"
    assert cafe.link == "https://gazette.example/news/cafe-award"  # permalink guid
    assert cafe.authors and "Tom Reyes" in cafe.authors[0]
    assert notes.link == "" and notes.summary == "Only a description, no link at all."


def test_atom_entries_use_xml_base_and_multiple_authors():
    feed = parse_feed(page_of("atom.xml", "https://science.example/blog/atom.xml",
                              "application/atom+xml"))
    assert feed.title == "Lab & Field Notes"
    drones, notes = feed.entries
    assert drones.link == "https://science.example/blog/posts/glacier-drones"
    assert drones.guid == "tag:science.example,2025:glacier"
    assert drones.published == datetime(2025, 3, 5, 13, 15, tzinfo=timezone.utc)
    assert drones.authors == ["Ana Lima", "Jonas Berg"]
    assert drones.summary == "Two field seasons, 40 flights."
    assert notes.published == datetime(2025, 3, 1, tzinfo=timezone.utc)  # falls back to updated
    assert feed.ttl_minutes is None


def test_rss1_and_rss091_are_read():
    rdf = parse_feed(page_of("rss1.rdf", "https://old.example/rss", "application/rdf+xml"))
    assert [e.link for e in rdf.entries] == ["https://old.example/a"]
    assert rdf.entries[0].published == datetime(2024, 11, 20, 6, 0, tzinfo=timezone.utc)
    assert rdf.entries[0].authors == ["Lee Chan"]
    old = parse_feed(page_of("rss091.xml", "http://vintage.example/rss"))
    assert old.entries[0].title == "Résumé de la semaine"  # ISO-8859-1 declared in the XML


def test_header_charset_reaches_feedparser():
    xml = '<rss version="2.0"><channel><title>Новости</title><item><title>Выборы</title>' \
          '<link>https://ru.example/1</link></item></channel></rss>'
    page = FetchedPage(url="https://ru.example/rss", requested_url="https://ru.example/rss",
                       content=xml.encode("windows-1251"),
                       content_type="application/rss+xml; charset=windows-1251")
    feed = parse_feed(page)
    assert feed.title == "Новости" and feed.entries[0].title == "Выборы"


def test_malformed_but_usable_feed_is_accepted_as_bozo():
    feed = parse_feed(page_of("broken.xml", "https://fish.example/rss"))
    assert feed.bozo  # feedparser's complaint is kept for the logs
    assert [e.link for e in feed.entries] == [
        "https://fish.example/prices?a=1&b=2", "https://fish.example/second"]


@pytest.mark.parametrize(
    ("content", "content_type", "message"),
    [
        ((FEEDS / "page_with_feeds.html").read_bytes(), "text/html", "HTML page"),
        (b"\x00\x9f garbage \xff\xfe not xml at all", "application/octet-stream", "not"),
        (b"", "application/rss+xml", "empty"),
        (b'<?xml version="1.0"?><urlset><url><loc>https://a.example/</loc></url></urlset>',
         "application/xml", "not an RSS or Atom feed"),
    ],
)
def test_not_a_feed_raises_feed_error(content, content_type, message):
    page = FetchedPage(url="https://x.example/", requested_url="https://x.example/",
                       content=content, content_type=content_type)
    with pytest.raises(FeedError, match=message):
        parse_feed(page)


def test_not_modified_page_is_not_parsed():
    page = FetchedPage(url="https://x.example/rss", requested_url="https://x.example/rss",
                       status=304, not_modified=True)
    with pytest.raises(FeedError, match="not modified"):
        parse_feed(page)


def test_looks_like_feed_by_type_or_sniffing():
    assert looks_like_feed(page_of("atom.xml", "https://s.example/", "application/atom+xml"))
    assert looks_like_feed(page_of("rss2.xml", "https://s.example/", "text/html"))  # sniffed
    assert looks_like_feed(page_of("rss1.rdf", "https://s.example/", ""))
    assert not looks_like_feed(page_of("page_with_feeds.html", "https://s.example/", "text/html"))


def test_discover_feed_links_respects_base_and_dedupes():
    html = (FEEDS / "page_with_feeds.html").read_text()
    assert discover_feed_links(html, "https://gazette.example/") == [
        "https://gazette.example/feeds/all.rss",
        "https://gazette.example/section/sport.atom",
    ]
    assert discover_feed_links("<p>no head at all", "https://a.example/") == []


async def test_fetched_feed_parses_end_to_end(http_server: LocalHTTPServer):
    url = http_server.static("/feeds/all.rss", (FEEDS / "rss2.xml").read_bytes(),
                             content_type="application/rss+xml")
    async with Fetcher(FetchPolicy(retries=0)) as fetcher:
        feed = parse_feed(await fetcher.fetch(url))
    assert feed.entries[0].link == http_server.url("/news/ferry-timetable")


def test_http_server_works_from_sync_code(http_server: LocalHTTPServer):
    url = http_server.conditional("/feed", "<rss/>", etag='"e1"')
    with urllib.request.urlopen(url) as response:
        assert response.read() == b"<rss/>"
    request = urllib.request.Request(url, headers={"If-None-Match": '"e1"'})
    with pytest.raises(urllib.error.HTTPError) as caught:  # urllib raises on 304
        urllib.request.urlopen(request)
    assert caught.value.code == 304
    assert http_server.hits("/feed") == 2


# -- feedparser's own corpus -----------------------------------------------------------

_HEADER = re.compile(rb"^\s*Header:\s*([\w-]+):\s*(.*?)\s*$", re.M)
_COMMENT = re.compile(rb"<!--.*?-->", re.S)
_ITEM = re.compile(rb"<(?:[\w-]+:)?(?:item|entry)[\s>/]")


def _corpus_page(path: Path) -> FetchedPage:
    """The file as a fetched page, with the HTTP headers its comment says it was served with."""
    data = path.read_bytes()
    comment = _COMMENT.search(data)
    headers = {k.decode().lower(): v.decode("latin-1")
               for k, v in _HEADER.findall(comment.group(0) if comment else b"")}
    url = "http://corpus.example/" + path.name
    return FetchedPage(url=url, requested_url=url, content=data,
                       content_type=headers.pop("content-type", ""), headers=headers)


@pytest.mark.shared
@pytest.mark.skipif(not CORPUS.exists(),
                    reason="../shared not present (benchmark corpora live outside the package)")
def test_feedparser_corpus_never_crashes_and_keeps_items():
    files = sorted(CORPUS.glob("*/**/*.xml"))
    assert len(files) > 1800
    parsed = refused = 0
    lost = []
    for path in files:
        page = _corpus_page(path)
        has_items = path.relative_to(CORPUS).parts[0] == "wellformed" and bool(
            _ITEM.search(_COMMENT.sub(b"", page.content)))
        try:
            feed = parse_feed(page)
        except FeedError as exc:
            assert str(exc).startswith(page.url)  # clear, attributable message
            refused += 1
            if has_items:
                lost.append(path.name)
            continue
        parsed += 1
        for entry in feed.entries:
            assert entry.link == "" or urlsplit(entry.link).scheme, (path, entry.link)
            assert entry.published is None or entry.published.tzinfo is not None, path
        if has_items and not feed.entries:
            lost.append(path.name)
    assert not lost, f"well-formed feeds whose items were lost: {lost[:10]}"
    assert parsed > 1700 and refused < 50, (parsed, refused)
