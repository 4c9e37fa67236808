"""The Atom feeds: parsed by feedparser without complaint, and checked against RFC 4287's
structure (namespace, required feed and entry elements, date format, unique ids)."""

from __future__ import annotations

import re
from urllib.parse import quote

import feedparser
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def check_atom_structure(body: bytes) -> etree._Element:
    """RFC 4287 §4.1.1-4.1.2: what every Atom feed and entry must carry."""
    root = etree.fromstring(body)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{tag}")) == 1, tag
    assert RFC3339.match(root.findtext(f"{ATOM}updated"))
    assert root.find(f"{ATOM}author/{ATOM}name").text  # feed-level author covers every entry
    assert [l.get("href") for l in root.findall(f"{ATOM}link[@rel='self']")]
    ids = []
    for entry in root.findall(f"{ATOM}entry"):
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{tag}")) == 1, tag
        assert RFC3339.match(entry.findtext(f"{ATOM}updated"))
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None  # no content-less entry without a link
        content = entry.find(f"{ATOM}content")
        assert content.get("type") == "html"
        ids.append(entry.findtext(f"{ATOM}id"))
    assert len(ids) == len(set(ids))
    return root


async def _feed(client, path: str):
    response = await client.get(path)
    assert response.status == 200
    assert response.content_type == "application/atom+xml"
    return await response.read()


async def test_all_digests_feed_is_valid_atom(client, seeded):
    body = await _feed(client, "/feeds/digests.atom")
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title and parsed.feed.id and parsed.feed.updated and parsed.feed.author
    assert [e.link.rsplit("/", 1)[-1] for e in parsed.entries] == seeded.digest_slugs
    for entry in parsed.entries:
        assert entry.id and entry.title and entry.updated
    root = check_atom_structure(body)
    # The hostile headline is data, not markup, once the entry's HTML is parsed.
    html = root.find(f"{ATOM}entry/{ATOM}content").text
    assert "<script>" not in html and "&lt;script&gt;window.__pwned=1" in html


async def test_relative_links_in_entries_resolve_to_the_archive(client):
    parsed = feedparser.parse(await _feed(client, "/feeds/digests.atom"))
    content = parsed.entries[0].content[0].value
    assert re.search(r'href="http://127\.0\.0\.1:\d+/stories/yermak-0"', content)


async def test_keyword_feed_holds_only_that_subscriptions_digests(client, seeded):
    parsed = feedparser.parse(await _feed(client, "/feeds/keywords/geneva.atom"))
    assert not parsed.bozo and len(parsed.entries) == len(seeded.digest_slugs)
    other = await _feed(client, f"/feeds/keywords/{quote('climate & <x>', safe='')}.atom")
    parsed = feedparser.parse(other)
    assert not parsed.bozo and parsed.entries == []
    check_atom_structure(other)
    assert "climate & <x>" in parsed.feed.title
