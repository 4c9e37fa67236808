"""Saved-text pages: body bounds, boilerplate rules, dates, author, related headlines, title."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digests.headline import generate_title
from digests.models import Article, Rejected
from digests.textfile import boilerplate_kind, extract_text, parse_dateline

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "kyivpost-2025-02-12-bessent-kyiv"
FIXTURES = ROOT / "tests" / "fixtures" / "extract"
needs_shared = pytest.mark.skipif(
    not SHARED.exists(), reason="../shared not present (benchmark corpora live outside the package)")


@pytest.fixture(scope="module")
def seed() -> tuple[Article, dict]:
    gold = json.loads(SEED.with_suffix(".gold.json").read_text(encoding="utf-8"))
    article = extract_text(SEED.with_suffix(".txt").read_text(encoding="utf-8"), "file:///seed.txt")
    assert isinstance(article, Article)
    return article, gold


@needs_shared
@pytest.mark.shared
def test_seed_body_bounds_match_gold(seed: tuple[Article, dict]) -> None:
    article, gold = seed
    assert article.body.startswith(gold["body_starts_with"])
    assert article.body.endswith(gold["body_ends_with"])
    assert [text for text in gold["body_must_not_contain"] if text in article.body] == []


@needs_shared
@pytest.mark.shared
def test_seed_keeps_the_pull_quote_and_its_attribution(seed: tuple[Article, dict]) -> None:
    article, _ = seed
    assert "We really have this big potential in the territory which we control..." in article.body
    assert "Ukrainian Presidential Chief of Staff, Andrii Yermak" in article.paragraphs


@needs_shared
@pytest.mark.shared
def test_seed_related_headlines_found(seed: tuple[Article, dict]) -> None:
    article, gold = seed
    titles = [link.title for link in article.related]
    assert [t for t in gold["related_links_on_page"] if t not in titles] == []
    assert len(titles) == len(set(titles))
    assert all(title not in article.body for title in titles)


@needs_shared
@pytest.mark.shared
def test_seed_dates_author_and_generated_title(seed: tuple[Article, dict]) -> None:
    article, gold = seed
    kyiv = ZoneInfo("Europe/Kyiv")
    assert article.published is not None and article.published.date().isoformat() == gold["published"]
    assert article.updated == datetime(2025, 2, 12, 18, 10, tzinfo=kyiv)
    assert article.updated == datetime.fromisoformat(gold["updated"])
    assert article.authors == [gold["author"]]
    assert article.title_generated
    assert article.title.startswith("US Treasury Secretary Scott Bessent met with")
    assert "\n" not in article.title and len(article.title) <= 100


@pytest.fixture(scope="module")
def floods() -> Article:
    article = extract_text((FIXTURES / "valley-floods.txt").read_text(encoding="utf-8"), "file:///floods.txt")
    assert isinstance(article, Article)
    return article


def test_fixture_body_bounds_in_another_site_style(floods: Article) -> None:
    assert floods.body.startswith("Heavy rain overnight flooded more than two hundred homes")
    assert floods.body.endswith("speed up work on the flood defences.")
    for furniture in ("Follow us on Instagram", "Photo by", "ADVERTISEMENT", "Related", "River defences upgrade",
                      "contract was cancelled in August", "Read also", "Share this article", "Spotted an error",
                      "is a reporter covering", "Most read", "Next »"):
        assert furniture not in floods.body
    assert len(floods.paragraphs) == 5


def test_fixture_related_author_and_dates(floods: Article) -> None:
    assert [link.title for link in floods.related] == [
        "River defences upgrade delayed until next spring",
        "How to claim for flood damage on your home insurance",
        "Ashby market returns after three-year break",
        "School bus routes change after bridge closure",
        "Council approves new cycle path along the canal",
    ]
    assert floods.authors == ["Priya Raman"]
    assert floods.updated == datetime(2023, 10, 7, 9, 45, tzinfo=ZoneInfo("Europe/London"))
    assert floods.published is not None and floods.published.date().isoformat() == "2023-10-07"


def test_byline_at_the_top_gives_the_author() -> None:
    text = "By Lena Ortiz\n\n" + "The ferry timetable changes on Monday, the operator said in a statement. " * 5
    article = extract_text(text, "file:///f.txt")
    assert isinstance(article, Article)
    assert article.authors == ["Lena Ortiz"]
    assert article.published is None
    assert not article.body.startswith("By ")


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Advertisement", "ad"),
        ("JOIN US ON TELEGRAM", "social"),
        ("Follow our coverage of the war on the @Example_news.", "social"),
        ("Sign up for our daily newsletter to get the headlines in your inbox.", "newsletter"),
        ("A firefighter at the scene on Monday. (Photo by Ann Lee / AFP)", "caption"),
        ("Protesters in the capital. (Reuters)", "caption"),
        ("To suggest a correction or clarification, write to us here", "correction"),
        ("Read more: Ferry operators bid for the crossing contract", "teaser"),
        ("More on Elections", "label"),
        ("Other Topics of Interest", "label"),
        ("Filed under: Politics | Europe", "taxonomy"),
        ("(Reporting by Ann Lee; Editing by Tom Brown)", "credit"),
    ],
)
def test_furniture_lines_are_recognised(line: str, kind: str) -> None:
    assert boilerplate_kind(line) == kind


@pytest.mark.parametrize(
    "line",
    [
        "Morrison testified that he didn't always follow through on suggestions from Sondland.",
        "Next steps will be announced at a staff meeting on Friday, the chief executive said.",
        "The electronic patient record (EPA) has been debated for years.",
        "If you want the bundle, you can sign up for it on the streaming service's site.",
        "Ukrainian Presidential Chief of Staff, Andrii Yermak",
    ],
)
def test_article_sentences_are_not_furniture(line: str) -> None:
    assert boilerplate_kind(line) is None


def test_dateline_without_an_update() -> None:
    published, updated = parse_dateline("date 2024-01-31")  # type: ignore[misc]
    assert published == datetime(2024, 1, 31, tzinfo=timezone.utc)
    assert updated is None
    assert parse_dateline("The 2024-01-31 deadline passed quietly.") is None


def test_generate_title_is_one_readable_line() -> None:
    body = ("The city council voted on Tuesday to close the old harbour bridge for repairs, ending a "
            "year-long dispute with the port authority. It will reopen in May.")
    title = generate_title(body)
    assert title == "The city council voted on Tuesday to close the old harbour bridge for repairs"
    long_lead = "Officials " + "from several neighbouring districts and towns " * 6 + "met today."
    assert len(generate_title(long_lead)) <= 101


def test_empty_or_tiny_text_is_rejected() -> None:
    assert isinstance(extract_text("", "file:///e.txt"), Rejected)
    short = extract_text("date 2024-01-01\n\nAdvertisement\n\nToo short.", "file:///s.txt")
    assert isinstance(short, Rejected) and short.reason == "too_short"
