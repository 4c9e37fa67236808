"""Published dates (issue 13): every candidate is tried in order, placeholders and dates
before 1990 or in the future are rejected, then htmldate reads the page. Hand-written pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from trafilatura import load_html

from digests.extract_meta import plausible_date, read_metadata

URL = "https://www.valley-courier.example/news/valley-plan"
BODY = "<article><h1>Valley plan</h1><p>The regional council approved a new plan for the valley.</p></article>"


def _published(head: str, body: str = BODY, url: str = URL) -> datetime | None:
    tree = load_html(f"<html><head><title>Valley plan</title>{head}</head><body>{body}</body></html>")
    return read_metadata(tree, url).published


def _json_ld(obj: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


def test_an_unparseable_json_ld_date_does_not_hide_the_meta_tag() -> None:
    head = (_json_ld({"@type": "NewsArticle", "headline": "Valley plan", "datePublished": "last Tuesday"})
            + '<meta property="article:published_time" content="2024-05-06T09:30:00+02:00">')
    assert _published(head) == datetime(2024, 5, 6, 9, 30, tzinfo=timezone(timedelta(hours=2)))


def test_a_trailing_comma_does_not_make_the_json_ld_unreadable() -> None:
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Valley plan",'
            ' "datePublished": "2024-05-06T09:30:00Z",}</script>')
    assert _published(head) == datetime(2024, 5, 6, 9, 30, tzinfo=UTC)


def test_a_claim_review_date_is_used_when_the_web_page_has_none() -> None:
    head = _json_ld({"@graph": [{"@type": "WebPage", "name": "Fact check"},
                                {"@type": "ClaimReview", "datePublished": "2023-11-02"}]})
    assert _published(head) == datetime(2023, 11, 2, tzinfo=UTC)


def test_a_medical_web_page_is_an_article() -> None:
    head = _json_ld({"@type": "MedicalWebPage", "headline": "Valley fever", "datePublished": "2022-03-01T08:00:00Z"})
    assert _published(head) == datetime(2022, 3, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("placeholder", ["0001-01-01T00:00:00Z", "1970-01-01", "2999-01-01T00:00:00Z"])
def test_placeholders_and_impossible_dates_give_way_to_the_next_candidate(placeholder: str) -> None:
    head = (_json_ld({"@type": "NewsArticle", "headline": "Valley plan", "datePublished": placeholder})
            + '<meta name="date" content="2021-07-14">')
    assert _published(head) == datetime(2021, 7, 14, tzinfo=UTC)


def test_a_date_only_in_the_visible_text_is_found() -> None:
    body = ("<article><h1>Valley plan</h1><p class='byline'>Published 14 July 2021</p>"
            "<p>The regional council approved a new plan for the valley.</p></article>")
    assert _published("", body=body).date() == datetime(2021, 7, 14).date()


def test_a_page_with_no_date_anywhere_has_none() -> None:
    assert _published("", url="https://www.valley-courier.example/news/valley-plan") is None


def test_plausible_date_bounds() -> None:
    now = datetime(2024, 5, 6, tzinfo=UTC)
    assert plausible_date(datetime(2024, 5, 6, 12, tzinfo=UTC), now) is not None  # zones ahead of UTC
    assert plausible_date(datetime(2024, 5, 8, tzinfo=UTC), now) is None
    assert plausible_date(datetime(1989, 12, 31, tzinfo=UTC), now) is None
