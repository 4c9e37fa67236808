"""HTML extraction: body without furniture, metadata, related and in-body links, decoding."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from digests.extract import decode_html, extract, extract_html
from digests.models import Article, FetchedPage, Rejected

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "extract"
PAGE_URL = "https://www.northport-gazette.example/news/2024/03/harbour-bridge-closure?utm_source=feed"


def _page(name: str, url: str = PAGE_URL, content_type: str = "text/html; charset=utf-8") -> FetchedPage:
    return FetchedPage(url=url, requested_url=url, content=(FIXTURES / name).read_bytes(),
                       content_type=content_type)


@pytest.fixture(scope="module")
def bridge() -> Article:
    article = extract(_page("harbour-bridge.html"))
    assert isinstance(article, Article)
    return article


def test_body_keeps_the_story_and_drops_page_furniture(bridge: Article) -> None:
    assert bridge.body.startswith("Northport council voted on Tuesday evening")
    assert bridge.body.endswith("weather permitting.")
    for furniture in ("Advertisement", "Photo by", "Read more", "Sign up", "newsletter", "Related stories",
                      "Harbour bridge turns 120", "All rights reserved", "Council votes to close"):
        assert furniture not in bridge.body
    assert len(bridge.paragraphs) == 5
    assert "\n\n\n" not in bridge.body


def test_link_text_stays_in_its_sentence(bridge: Article) -> None:
    assert "The full inspection report was published alongside the vote." in bridge.body


def test_metadata_from_json_ld_and_open_graph(bridge: Article) -> None:
    assert bridge.url == "https://www.northport-gazette.example/news/2024/03/harbour-bridge-closure"
    assert bridge.title == "Council votes to close the old harbour bridge"
    assert not bridge.title_generated
    assert bridge.authors == ["Mara Quint", "Tobias Wren"]
    assert bridge.published == datetime(2024, 3, 5, 9, 30, tzinfo=timezone.utc)  # naive: taken as UTC
    assert bridge.updated == datetime(2024, 3, 5, 14, 5, tzinfo=timezone(timedelta(hours=1)))
    assert bridge.site_name == "Northport Gazette"
    assert bridge.language == "en"
    assert bridge.image == "https://www.northport-gazette.example/img/bridge.jpg"
    assert bridge.source == PAGE_URL
    assert PAGE_URL in bridge.alternate_urls


def test_related_block_and_teaser_become_related_links(bridge: Article) -> None:
    related = {link.title: link.url for link in bridge.related}
    assert related["Ferry operators bid for the harbour crossing contract"] == (
        "https://www.northport-gazette.example/news/2023/11/ferry-tender")
    assert "Harbour bridge turns 120 with a fireworks night" in related
    assert all(link.url != bridge.url for link in bridge.related)


def test_in_body_links_are_absolute_and_not_related(bridge: Article) -> None:
    assert [(link.title, link.url) for link in bridge.links] == [
        ("inspection report", "https://www.northport-gazette.example/documents/bridge-inspection-2024.pdf")]


def test_meta_charset_decodes_a_latin1_page() -> None:
    raw = (FIXTURES / "cafe-latin1.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    article = extract(_page("cafe-latin1.html", url="https://example.invalid/cafe", content_type="text/html"))
    assert isinstance(article, Article)
    assert article.title == "Café owners welcome the new market square"
    assert "crème brûlée" in article.body
    assert article.authors == ["José Lamar"]
    assert article.published == datetime(2024, 5, 2, 8, 0, tzinfo=timezone.utc)


def test_decode_html_guesses_when_nothing_is_declared() -> None:
    text = "Zażółć gęślą jaźń — the quick brown fox jumps over the lazy dog. " * 5
    assert decode_html(("<p>" + text + "</p>").encode("utf-16")).count("Zażółć") == 5


def test_text_pages_are_dispatched_to_the_text_reader() -> None:
    page = _page("valley-floods.txt", url="file:///tmp/valley-floods.txt", content_type="")
    article = extract(page)
    assert isinstance(article, Article)
    assert article.title_generated
    assert article.body.startswith("Heavy rain overnight flooded")


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("", "empty"),
        ("   \n ", "empty"),
        ("just some words, no markup at all", "not_html"),
        ("<html><body><p>Page not found.</p></body></html>", "too_short"),
    ],
)
def test_pages_without_an_article_are_rejected_with_a_reason(html: str, reason: str) -> None:
    result = extract_html(html, "https://example.invalid/x")
    assert isinstance(result, Rejected)
    # a stub page may hold no main text at all for trafilatura: "empty" is as right as "too_short"
    assert result.reason == reason or (reason == "too_short" and result.reason == "empty")
    assert result.url == "https://example.invalid/x"


def test_binary_content_type_is_rejected() -> None:
    page = FetchedPage(url="https://example.invalid/a.pdf", requested_url="https://example.invalid/a.pdf",
                       content=b"%PDF-1.7", content_type="application/pdf")
    result = extract(page)
    assert isinstance(result, Rejected) and result.reason == "not_html"


def test_a_saved_page_resolves_relative_links_against_its_canonical_address(tmp_path):
    from digests.extract import extract_html

    paragraph = "<p>" + "The harbour board met on Monday to discuss the new ferry timetable and its costs. " * 6 + "</p>"
    html = ("<html><head><title>Ferry plan</title><link rel='canonical' href='https://news.example/city/ferry.html'>"
            "</head><body><article><h1>Ferry plan</h1>" + paragraph * 3 + "<p>See the <a href='/docs/plan.pdf'>full "
            "timetable plan</a> online.</p></article><aside class='related-stories'><h2>Related</h2>"
            "<a href='/city/bridge-opens-next-spring.html'>The new harbour bridge opens next spring</a></aside>"
            "</body></html>")
    saved = extract_html(html, (tmp_path / "ferry.html").as_uri())
    assert saved.url == "https://news.example/city/ferry.html"
    assert [l.url for l in saved.related] == ["https://news.example/city/bridge-opens-next-spring.html"]
    assert "https://news.example/docs/plan.pdf" in [l.url for l in saved.links]
    fetched = extract_html(html, "https://mirror.example/copy/ferry.html")  # on the web: its own address
    assert [l.url for l in fetched.related] == ["https://mirror.example/city/bridge-opens-next-spring.html"]
