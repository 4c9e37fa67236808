"""Headlines (issue 13): the article's title, never the site's banner. Hand-written pages."""

from __future__ import annotations

import json

from digests.extract import extract_html
from digests.models import Article

STORY_KO = ("서울시는 월요일 한강 주변 지역을 보호하기 위한 새로운 홍수 대책을 발표했다. 계획에 따라 강변 제방이 2미터 높아지고 대피소가 늘어난다. "
            "비용은 약 1000억 원이며 공사는 내년 봄에 시작된다. 주민 대부분은 계획을 환영했지만 일부 농민은 토지 수용에 반대하고 있다. "
            "시 관계자는 다음 달부터 설명회를 열겠다고 말했다.")


def _page(head: str, h1: str, story: str) -> str:
    return (f"<html lang='ko'><head>{head}</head><body><header><h1>{h1}</h1></header>"
            f"<article><p>{story}</p><p>{story.replace('서울시', '시는')}</p><p>{story.replace('월요일', '화요일')}</p>"
            "</article></body></html>")


def test_a_banner_h1_and_a_web_page_headline_give_way_to_the_article_title() -> None:
    ld = json.dumps({"@type": "WebPage", "headline": "한강일보", "publisher": {"@type": "Organization", "name": "한강일보"}})
    head = (f'<script type="application/ld+json">{ld}</script><meta property="og:site_name" content="한강일보">'
            '<meta property="og:title" content="서울시, 한강 홍수 대책 발표"><title>한강일보</title>')
    article = extract_html(_page(head, "한강일보", STORY_KO), "https://news.hangang.example/article/1")
    assert isinstance(article, Article)
    assert article.title == "서울시, 한강 홍수 대책 발표"
    assert not article.title_generated


def test_a_page_whose_only_candidates_are_the_banner_still_gets_one() -> None:
    head = '<meta property="og:site_name" content="한강일보"><title>한강일보</title>'
    article = extract_html(_page(head, "한강일보", STORY_KO), "https://news.hangang.example/article/2")
    assert isinstance(article, Article) and article.title
