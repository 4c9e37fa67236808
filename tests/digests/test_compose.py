"""compose(): window, filters, one story shown once, ranking, sections; parse_since()."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from digests.answers import QuoteRef
from digests.compose import DigestFilter, StoryArticle, compose, parse_since
from digests.models import Link

UNTIL = datetime(2024, 3, 5, 12, 0, tzinfo=timezone.utc)
SINCE = UNTIL - timedelta(hours=24)
_ids = iter(range(1, 10_000))


def article(story: str, *, host: str = "example.com", source: str | None = None, hours_ago: float = 1,
            title: str | None = None, summary: list[str] | None = None, text: str = "",
            quote: QuoteRef | None = None, related: list[Link] | None = None,
            people: list[str] | None = None, topic: str | None = None, path: str | None = None) -> StoryArticle:
    article_id = next(_ids)
    return StoryArticle(
        article_id=article_id,
        story_id=story,
        title=title or f"Story {story}",
        url=f"https://{host}/{path or f'{story}-{article_id}'}",
        source=source if source is not None else host,
        published=UNTIL - timedelta(hours=hours_ago),
        summary=summary if summary is not None else ["First sentence.", "Second sentence."],
        key_quote=quote,
        related=related or [],
        text=text or (title or f"Story {story}"),
        people=people or [],
        topic=topic,
    )


def run(articles, **kwargs):
    return compose(articles, since=SINCE, until=UNTIL, **kwargs)


def test_one_story_from_five_sources_shows_once_with_four_also_links():
    hosts = ["bbc.co.uk", "reuters.com", "apnews.com", "theguardian.com", "nytimes.com"]
    articles = [article("summit", host=h, hours_ago=2 + i) for i, h in enumerate(hosts)]
    digest = run(articles)
    assert len(digest.items) == 1
    item = digest.items[0]
    assert len(item.also) == 4
    urls = [item.url] + [link.url for link in item.also]
    assert len(set(urls)) == 5
    # all summaries equally complete: the earliest article leads
    assert item.url == articles[-1].url
    assert {link.title for link in item.also} == set(hosts) - {"nytimes.com"}


def test_also_links_keep_distinct_urls_only():
    first = article("s", host="a.com", path="same")
    copy = article("s", host="a.com", path="same", hours_ago=3)
    other = article("s", host="b.com", hours_ago=4)
    item = run([first, copy, other]).items[0]
    assert item.url == other.url  # equally complete summaries: the earliest leads
    assert [link.url for link in item.also] == [first.url]


def test_main_article_is_the_one_with_the_fullest_summary():
    thin = article("s", host="thin.com", hours_ago=10, summary=["Only one."])
    full = article("s", host="full.com", hours_ago=2, summary=["One.", "Two.", "Three."])
    item = run([thin, full]).items[0]
    assert item.url == full.url
    assert item.summary == ["One.", "Two.", "Three."]
    assert [link.url for link in item.also] == [thin.url]


def test_item_carries_headline_source_time_quote_and_related_links():
    quote = QuoteRef(text="We will rebuild.", speaker="Jane Roe", speaker_role="Mayor of Springfield")
    related = [Link("A", "https://x.com/a"), Link("A again", "https://x.com/a/"), Link("B", "https://x.com/b"),
               Link("C", "https://x.com/c"), Link("D", "https://x.com/d")]
    main = article("s", host="news.com", source="News Daily", title="Flood hits  town\n", quote=quote,
                   related=related, summary=["One.", "Two.", "Three.", "Four."])
    item = run([main]).items[0]
    assert item.headline == "Flood hits town"
    assert item.source == "News Daily"
    assert item.published == main.published
    assert item.summary == ["One.", "Two.", "Three."]
    assert item.key_quote.speaker == "Jane Roe" and item.key_quote.speaker_role == "Mayor of Springfield"
    assert item.key_quote.url == main.url  # filled in so renderers can cite it
    assert [link.url for link in item.related] == ["https://x.com/a", "https://x.com/b", "https://x.com/c"]


def test_key_quote_comes_from_another_source_when_the_main_has_none():
    quote = QuoteRef(text="It was a mistake.", speaker="Ann Lee", speaker_role="CEO")
    main = article("s", host="a.com", hours_ago=5, summary=["One.", "Two.", "Three."])
    other = article("s", host="b.com", hours_ago=2, summary=["One."], quote=quote)
    item = run([main, other]).items[0]
    assert item.url == main.url
    assert item.key_quote.text == "It was a mistake." and item.key_quote.url == other.url


def test_window_keeps_only_articles_published_inside_it():
    inside = article("in", hours_ago=23)
    too_old = article("old", hours_ago=25)
    future = article("future", hours_ago=-1)
    undated = article("undated")
    undated.published = None
    assert [i.story_id for i in run([inside, too_old, future, undated]).items] == ["in"]


def test_empty_window_gives_one_line():
    digest = run([article("old", hours_ago=100)])
    assert digest.is_empty
    assert digest.empty_message.startswith("No new stories since ")
    assert "\n" not in digest.empty_message
    assert "4 Mar 2024 12:00" in digest.empty_message


def test_newer_stories_rank_first():
    digest = run([article("old", hours_ago=20), article("new", hours_ago=1), article("mid", hours_ago=8)])
    assert [i.story_id for i in digest.items] == ["new", "mid", "old"]


def test_widely_covered_story_outranks_a_slightly_newer_single_source_one():
    wide = [article("wide", host=f"site{i}.com", hours_ago=4) for i in range(5)]
    single = article("single", hours_ago=3)
    assert [i.story_id for i in run([single, *wide]).items] == ["wide", "single"]


def test_keyword_hits_raise_the_rank():
    one_hit = article("one", hours_ago=2, text="The budget vote")
    two_hits = article("two", hours_ago=3, text="The budget vote and the tax reform")
    digest = run([one_hit, two_hits], filters=DigestFilter(keywords=("budget", "tax")))
    assert [i.story_id for i in digest.items] == ["two", "one"]


def test_ties_are_ordered_the_same_whatever_the_input_order():
    articles = [article(f"s{n}", hours_ago=5) for n in range(12)]
    orders = set()
    for seed in range(5):
        shuffled = articles[:]
        random.Random(seed).shuffle(shuffled)
        orders.add(tuple(i.story_id for i in run(shuffled).items))
    assert len(orders) == 1


def test_keyword_filter_matches_whole_words_case_insensitively():
    articles = [article("a", text="Art fair opens"), article("b", text="Markets start the week"),
                article("c", text="Street ART in Paris")]
    digest = run(articles, filters=DigestFilter(keywords=("art",)))
    assert sorted(i.story_id for i in digest.items) == ["a", "c"]


def test_keyword_phrases_match_as_phrases():
    articles = [article("a", text="The central  bank raised rates"), article("b", text="A bank in the central square")]
    digest = run(articles, filters=DigestFilter(keywords=("Central Bank",)))
    assert [i.story_id for i in digest.items] == ["a"]


def test_source_filter_accepts_host_subdomain_url_or_name():
    bbc = article("a", host="www.bbc.co.uk", source="BBC News")
    bbc_sub = article("b", host="news.bbc.co.uk", source="BBC")
    other = article("c", host="notbbc.co.uk", source="Not BBC")
    for wanted in ("bbc.co.uk", "https://www.bbc.co.uk/news", "BBC News"):
        found = {i.story_id for i in run([bbc, bbc_sub, other], filters=DigestFilter(sources=(wanted,))).items}
        assert "a" in found and "c" not in found, wanted
    by_host = run([bbc, bbc_sub, other], filters=DigestFilter(sources=("bbc.co.uk",)))
    assert {i.story_id for i in by_host.items} == {"a", "b"}


def test_people_filter_matches_full_name_or_surname():
    articles = [article("a", people=["Andrii Yermak"]), article("b", people=["Anna Yermakova"]),
                article("c", quote=QuoteRef("Quoted.", "Andrii Yermak"))]
    for wanted in ("Yermak", "andrii yermak"):
        found = sorted(i.story_id for i in run(articles, filters=DigestFilter(people=(wanted,))).items)
        assert found == ["a", "c"], wanted


def test_topic_filter_and_kinds_combine_with_and():
    articles = [article("a", topic="Politics", text="election"), article("b", topic="Sport", text="election"),
                article("c", topic="World politics", text="weather")]
    assert sorted(i.story_id for i in run(articles, filters=DigestFilter(topic="politics")).items) == ["a", "c"]
    both = DigestFilter(topic="politics", keywords=("election",))
    assert [i.story_id for i in run(articles, filters=both).items] == ["a"]


def test_story_passes_when_any_of_its_articles_matches_and_keeps_its_other_sources():
    bbc = article("s", host="bbc.co.uk", hours_ago=3)
    cnn = article("s", host="cnn.com", hours_ago=5)
    item = run([bbc, cnn], filters=DigestFilter(sources=("bbc.co.uk",))).items[0]
    assert item.url == bbc.url and [link.url for link in item.also] == [cnn.url]


def test_short_digest_has_one_untitled_section():
    digest = run([article(f"s{n}", topic="Politics") for n in range(8)])
    assert len(digest.sections) == 1 and digest.sections[0].title is None


def test_long_digest_is_sectioned_by_topic_with_singletons_gathered():
    articles = ([article(f"p{n}", topic="Politics", hours_ago=1 + n) for n in range(5)]
                + [article(f"s{n}", topic="Sport", hours_ago=2 + n) for n in range(4)]
                + [article("lone", topic="Science", hours_ago=9), article("none", hours_ago=10)])
    digest = run(articles)
    assert [s.title for s in digest.sections] == ["Politics", "Sport", "Other stories"]
    assert [i.story_id for i in digest.sections[2].items] == ["lone", "none"]
    assert len(digest.items) == 11


def test_long_digest_without_topics_is_sectioned_by_source():
    articles = ([article(f"b{n}", host="bbc.co.uk", source="BBC", hours_ago=1 + n) for n in range(5)]
                + [article(f"r{n}", host="reuters.com", source="Reuters", hours_ago=1.5 + n) for n in range(5)])
    assert [s.title for s in run(articles).sections] == ["BBC", "Reuters"]


def test_max_items_keeps_the_best():
    digest = run([article(f"s{n:02}", hours_ago=1 + n) for n in range(20)], max_items=5)
    assert [i.story_id for i in digest.items] == ["s00", "s01", "s02", "s03", "s04"]


@pytest.mark.parametrize("text, expected", [
    ("36h", timedelta(hours=36)), ("30d", timedelta(days=30)), ("5000d", timedelta(days=5000)),
    ("90m", timedelta(minutes=90)), ("2w", timedelta(weeks=2)), (" 1d12h ", timedelta(hours=36)),
    ("12 hours", timedelta(hours=12)), ("3D", timedelta(days=3)),
])
def test_parse_since_reads_spans(text, expected):
    assert parse_since(text) == expected


@pytest.mark.parametrize("text, words", [
    ("", "No time span"), ("36", "Can't read"), ("h", "Can't read"), ("36x", "Can't read"),
    ("yesterday", "Can't read"), ("0h", "empty"), ("99999999d", "100 years"), ("-5h", "Can't read"),
])
def test_parse_since_refuses_with_a_clear_message(text, words):
    with pytest.raises(ValueError) as caught:
        parse_since(text)
    message = str(caught.value)
    assert words in message
    assert repr(text.strip()) in message or not text.strip()
