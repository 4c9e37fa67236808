"""The public pages as a reader sees them (HTML from the real app over a local port)."""

from __future__ import annotations

import re

from lxml import html as lxml_html

from tests.web.seed import ROLE


async def _page(client, path: str, status: int = 200):
    response = await client.get(path)
    assert response.status == status, (path, response.status)
    return lxml_html.fromstring(await response.text()), response


def _texts(doc, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in doc.xpath(xpath)]


async def test_digest_index_lists_newest_first_and_pages(client, seeded):
    doc, _ = await _page(client, "/digests")
    hrefs = [a.get("href") for a in doc.xpath("//ol[@class='digest-list']/li/a")]
    assert hrefs == [f"/digests/{slug}" for slug in seeded.digest_slugs]


async def test_digest_index_paging_splits_and_links_pages(seeded_store):
    from tests.web.conftest import _client

    client = await _client(seeded_store, page_size=2)
    try:
        first, _ = await _page(client, "/digests")
        second, _ = await _page(client, "/digests?page=2")
        assert len(first.xpath("//ol[@class='digest-list']/li")) == 2
        assert [a.get("href") for a in second.xpath("//ol[@class='digest-list']/li/a")] == [
            f"/digests/{seeded_store[2].digest_slugs[2]}"]
        assert first.xpath("//a[@rel='next']/@href") == ["/digests?page=2"]
        assert second.xpath("//a[@rel='prev']/@href") == ["/digests?page=1"]
    finally:
        await client.close()


async def test_digest_permalink_shows_summary_quote_sources_also_and_related(client, seeded):
    doc, _ = await _page(client, f"/digests/{seeded.digest_slugs[0]}")
    yermak = [i for i in doc.xpath("//article[@class='item']") if "Yermak" in i.xpath("string(h3)")][0]
    assert "met partners in Geneva" in yermak.xpath("string(p[@class='summary'])")
    assert "We will keep talking on day 0" in yermak.xpath("string(blockquote)")
    assert "Andrii Yermak" in yermak.xpath("string(blockquote/footer)") and ROLE in yermak.xpath("string(blockquote/footer)")
    assert "Example News" in yermak.xpath("string(p[@class='meta'])")
    links = {a.text_content(): a.get("href") for a in yermak.xpath(".//p[@class='links']/a")}
    assert links.get("Wire Service") == "https://wire.example.com/yermak-geneva"  # also
    assert links.get("Background 0") == "https://news.example.org/bg-0"  # related
    assert yermak.xpath(".//a[text()='story']/@href") == ["/stories/yermak-0"]


async def test_unknown_pages_are_404(client):
    for path in ("/digests/nope", "/articles/999999", "/articles/abc", "/stories/none", "/people/999-x",
                 "/people/1-andrii-yermak/mentions.gif"):
        await _page(client, path, 404)


async def test_story_page_lists_sources_quotes_and_people(client):
    doc, _ = await _page(client, "/stories/yermak-0")
    assert set(_texts(doc, "//ul[@class='sources']/li/a")) == {"Yermak in Geneva, round 0", "Yermak holds Geneva talks"}
    assert any("We will keep talking on day 0" in t for t in _texts(doc, "//blockquote"))
    assert _texts(doc, "//ul[@class='people']/li/a") == ["Andrii Yermak"]


async def test_article_page_quotes_with_speaker_role_and_people(client, seeded):
    doc, _ = await _page(client, f"/articles/{seeded.hostile_article_id}")
    footer = _texts(doc, "//blockquote/footer")[0]
    assert "Mara O'Neil" in footer and "<i>councillor</i> & chair" in footer
    person_href = doc.xpath("//ul[@class='people']/li/a/@href")[0]
    assert re.fullmatch(r"/people/\d+-mara-o-neil", person_href)
    # A javascript: related link is never an href.
    assert not [h for h in doc.xpath("//a/@href") if h.lower().startswith("javascript")]


async def test_person_page_roles_quotes_by_article_and_chart(client, seeded):
    doc, response = await _page(client, f"/people/{seeded.yermak_id}")
    assert response.url.path == f"/people/{seeded.yermak_id}-andrii-yermak"  # canonical slug
    assert _texts(doc, "//h1") == ["Andrii Yermak"]
    assert _texts(doc, "//table[@class='roles']/tbody/tr/td[1]") == [ROLE]
    sections = doc.xpath("//section[@class='quoted-in']")
    assert len(sections) == 10  # the quoted days: 0, 6, ..., 54
    assert all(len(s.xpath("blockquote")) == 1 for s in sections)
    img = doc.xpath("//img[@id='mentions-chart']")[0]
    assert img.get("src") == f"/people/{seeded.yermak_id}-andrii-yermak/mentions.png"
    chart = await client.get(img.get("src"))
    assert chart.status == 200 and chart.content_type == "image/png"


async def test_person_search_redirects_on_one_match_and_lists_namesakes(client, seeded):
    _, response = await _page(client, "/people?q=yermak")
    assert response.url.path == f"/people/{seeded.yermak_id}-andrii-yermak"
    doc, response = await _page(client, "/people?q=Johnson")
    assert response.url.path == "/people"
    assert sorted(_texts(doc, "//ul[contains(@class,'candidates')]/li/a")) == ["Boris Johnson", "Mike Johnson"]
    doc, _ = await _page(client, "/people?q=Nobody+Atall")
    assert "Nobody Atall" in doc.xpath("string(//p[@class='empty'])")


async def test_search_uses_every_word_like_chat_search(client):
    doc, _ = await _page(client, "/search?q=Geneva+report+12")
    assert _texts(doc, "//ol[@class='results']/li/a") == ["Yermak in Geneva, round 12"]
    doc, _ = await _page(client, "/search?q=zzzznothing")
    assert doc.xpath("//p[@class='empty']")


async def test_pages_forbid_scripts_by_csp(client):
    response = await client.get("/digests")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
