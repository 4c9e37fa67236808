"""Pages in Korean, Japanese, Portuguese and Ukrainian (small hand-written fixtures in
tests/fixtures/non_english/) get the article's own title as headline, a published date, and a
summary of one to three real sentences of the story: no site banner, no calendar, no caption,
no copyright line, and CJK text is split at its own sentence ends."""

from __future__ import annotations

from pathlib import Path

import pytest

from digests.analyze import analyze_page
from digests.models import Analysis, FetchedPage
from digests.textfile import body_length, too_short

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "non_english"

CASES = {
    # language: (headline, site name, a date fragment, text that must never be in the summary)
    "ko": ("항구 도시, 새 여객선 노선 개통", "바다신문", "2026-11-30", ("©", "무단 전재")),
    "ja": ("市立図書館、夜間開館を試行へ", "みなと新聞", "2026-11-28", ("関連記事", "予算案を可決")),
    "pt": ("Clube da capital vence clássico e assume a liderança", "Jornal do Porto", "2026-11-29",
           ("29/11/2026", "Próximos jogos", "Qua 02/12")),
    "uk": ("У Львові відкрили новий дитячий медичний центр", "Міські новини", "2026-11-27", ("©", "Усі права")),
}
SENTENCE_ENDS = (".", "。", "다.", "!", "?", "！", "？")


def _analyse(lang: str) -> Analysis:
    url = f"https://news.example.org/{lang}/story"
    page = FetchedPage(url=url, requested_url=url, text=(HERE / f"{lang}.html").read_text(encoding="utf-8"),
                       content_type="text/html")
    result = analyze_page(page)
    assert isinstance(result, Analysis), result
    return result


@pytest.mark.parametrize("lang", sorted(CASES))
def test_headline_date_and_summary_of_real_sentences(lang):
    headline, site, day, never = CASES[lang]
    analysis = _analyse(lang)
    assert analysis.headline == headline and site not in analysis.headline
    assert analysis.article.published is not None and analysis.article.published.isoformat().startswith(day)
    assert 1 <= len(analysis.summary) <= 3
    for sentence in analysis.summary:
        assert sentence in analysis.article.body  # verbatim
        assert sentence.rstrip().endswith(SENTENCE_ENDS), sentence
        assert not any(bad in sentence for bad in never), sentence
    if lang in ("ja", "ko"):  # one sentence each, not the whole paragraph
        assert all(len(s) < 80 for s in analysis.summary)


def test_the_too_short_floor_weighs_cjk_characters_as_words():
    japanese = "市立図書館は来月から開館時間を延長する。" * 6  # 120 characters: a real brief
    assert not too_short(japanese) and body_length(japanese) > len(japanese)
    assert too_short("Page not found. " * 10)  # 160 Latin characters: still an error page
    assert body_length("abc") == 3
