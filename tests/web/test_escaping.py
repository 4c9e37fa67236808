"""Every template with hostile titles, quotes, names and roles: the text comes out as text
(visible, verbatim), never as an element, an attribute or a live link."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from bot.web.templating import make_environment, safe_href
from digests.answers import PersonCard
from digests.models import Link
from digests.store.archive import (
    ArchivedDigest,
    ArticleDetail,
    PersonDetail,
    PersonLink,
    QuoteRow,
    RoleSpan,
)
from digests.store.articles import ArticleRow
from digests.store.outbox import OutboxRow
from digests.store.sources import SourceRecord

ENV = make_environment()
NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
_PIECES = list("<>&\"'=/ ;:") + ["script", "<script>", "onerror=", "<img src=x ", "javascript:", "é", "\u202e", "</p>"]
hostile = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map("".join).filter(lambda s: s.strip())


def _render(template: str, **context) -> str:
    return ENV.get_template(template).render(site_title="archive", admin_enabled=True, request_path="/", **context)


def _assert_inert(page: str, *texts: str) -> None:
    doc = lxml_html.fromstring(page)
    assert not doc.xpath("//script | //iframe | //object | //embed"), "an element was injected"
    assert not [a for e in doc.iter() if isinstance(e.tag, str) for a in e.attrib if a.lower().startswith("on")]
    assert not [h for h in doc.xpath("//@href | //@src") if h.strip().lower().startswith(("javascript", "data"))]
    visible = doc.text_content()
    for text in texts:
        assert " ".join(text.split()) in " ".join(visible.split()), text


def _article(s: str) -> ArticleRow:
    return ArticleRow(id=7, url=f"https://x.example/{s}", title=s, title_generated=False, headline=s, source=s,
                      site_name=s, authors=[s], published=NOW, fetched_at=NOW, summary=[s], story_id="st",
                      urls=["https://x.example/a"], related=[Link(s, f"javascript:{s}")])


def _quote(s: str, person_id: int | None = 3) -> QuoteRow:
    return QuoteRow(text=s, speaker=s, speaker_role=s, person_id=person_id, article_id=7, published=NOW)


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(hostile)
def test_digest_pages_escape_everything(s):
    item = {"story_id": s, "headline": s, "url": s, "source": s, "published": NOW.isoformat(), "summary": [s],
            "key_quote": {"text": s, "speaker": s, "speaker_role": s}, "also": [{"title": s, "url": s}],
            "related": [{"title": s, "url": "javascript:" + s}]}
    digest = ArchivedDigest(slug="d", title=s, since=NOW, until=NOW, created_at=NOW, keywords=[s],
                            content={"sections": [{"title": s, "items": [item]}]})
    _assert_inert(_render("digest.html", digest=digest), s)
    _assert_inert(_render("digests.html", digests=[digest], page=1, pages=1, total=1), s)
    _assert_inert("<div>" + ENV.get_template("feed_entry.html").render(digest=digest, origin="http://h") + "</div>", s)


@SETTINGS
@given(hostile)
def test_article_story_and_person_pages_escape_everything(s):
    person = PersonLink(3, s, s, "3-x")
    detail = ArticleDetail(_article(s), [_quote(s)], [person])
    _assert_inert(_render("article.html", detail=detail, speakers={3: person}), s)
    _assert_inert(_render("story.html", story_id=s, details=[detail], lead=detail.article, people=[person]), s)
    pd = PersonDetail(link=person, kind="person", aliases=[s], mentions=1,
                      roles=[RoleSpan(s, NOW, NOW, 1)], quotes_by_article=[(_article(s), [_quote(s)])])
    _assert_inert(_render("person.html", person=pd, slug="3-x", chart_days=90), s)


@SETTINGS
@given(hostile)
def test_search_people_and_admin_pages_escape_everything(s):
    _assert_inert(_render("search.html", query=s, results=[_article(s)]), s)
    _assert_inert(_render("people_search.html", query=s, candidates=[("3-x", PersonCard(name=s, role=s))]), s)
    source = SourceRecord(id=1, url=s, kind="feed", title=s, enabled=True, poll_interval_s=900, etag=None,
                          last_modified=None, last_fetch_at=NOW, last_success_at=None, last_error=s, failures=2,
                          next_poll_at=NOW)
    dead = OutboxRow(id=1, subscription_id=1, platform="telegram", chat_id=s, idempotency_key="k", content_hash="h",
                     payload={}, state="dead", attempts=3, next_attempt_at=NOW, last_error=s, created_at=NOW)
    _assert_inert(_render("admin.html", sources=[source], now=NOW, depth=0, counts={"dead": 1}, dead=[dead],
                          csrf="c", notice=s), s)
    _assert_inert(_render("error.html", message=s), s)


def test_only_http_links_become_hrefs():
    assert safe_href("https://a.example/x?y=1") == "https://a.example/x?y=1"
    for bad in ("javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,<script>", "vbscript:x", "//evil", ""):
        assert safe_href(bad) == "#"
