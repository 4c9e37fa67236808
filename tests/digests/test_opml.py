"""OPML import/export."""

from __future__ import annotations

import pytest

from digests.errors import FeedError
from digests.opml import OpmlOutline, read_opml, write_opml
from tests.conftest import FIXTURES

SUBSCRIPTIONS = FIXTURES / "feeds" / "subscriptions.opml"


def test_read_nested_outlines_with_categories():
    outlines = read_opml(SUBSCRIPTIONS.read_text(encoding="utf-8"))
    assert outlines == [
        OpmlOutline("Global Wire", "https://wire.example/rss", "https://wire.example/",
                    "News/World"),
        OpmlOutline("Gazette", "https://gazette.example/feeds/all.rss", None, "News"),
        OpmlOutline("Lab & Field", "https://science.example/blog/atom.xml",
                    "https://science.example/blog/", "Science & Tech"),  # lower-case xmlurl
        OpmlOutline("Uncategorised", "https://loose.example/feed", None, "Misc/Odds"),
    ]  # the second Global Wire outline is a duplicate feed URL and is dropped


def test_round_trip_keeps_sources_and_categories():
    sources = read_opml(SUBSCRIPTIONS.read_bytes())
    document = write_opml(sources, title="My <feeds> & more")
    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert read_opml(document) == sources
    assert "My &lt;feeds&gt; &amp; more" in document


def test_write_handles_sources_without_category_or_homepage():
    sources = [OpmlOutline("Plain", "https://plain.example/rss"),
               OpmlOutline("Quoted \"name\"", "https://q.example/rss?a=1&b=2", category="A/B")]
    assert read_opml(write_opml(sources, "t")) == sources


@pytest.mark.parametrize("text", ["", "<html><body>hi</body></html>", "<opml><head/></opml>",
                                  "<opml><body><outline"])
def test_not_opml_raises_feed_error(text):
    with pytest.raises(FeedError, match="not an OPML document"):
        read_opml(text)
