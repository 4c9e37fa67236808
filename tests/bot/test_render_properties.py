"""Property tests: adversarial articles through compose() and the chat renderers.

Whatever the titles, quotes and URLs hold (tags, entities, Markdown specials, emoji,
astral characters, 10,000-character quotes) and however many stories (up to 300):
every Telegram message parses as Telegram would and fits 4096 UTF-16 units, every Slack
payload passes the Block Kit model, and each story appears exactly once across messages
(its unique main URL is the marker).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digests.answers import ArticleList, ArticleRef, PersonCard, QuoteRef, WhoCard
from digests.compose import StoryArticle, compose
from digests.models import Link
from bot.slack.render import render_slack
from bot.telegram.render import render_telegram, telegram_length
from digests.render.text import render_text
from tests.platforms.blockkit import validate_message
from tests.platforms.telegram_html import MAX_ENTITIES, MAX_MESSAGE_LENGTH, check_message_text, utf16_len

UNTIL = datetime(2024, 3, 5, 12, 0, tzinfo=timezone.utc)
SINCE = UNTIL - timedelta(days=2)

PIECES = ["<b>", "</a>", "</b>", "<a href=\"x\">", "&amp;", "&", "&lt;", "&#128512;", "<", ">", '"', "'",
          "_*[]()~`|", "*bold*", "<https://evil.example|click>", "<!here>", "😀", "𝕏", "👨‍👩‍👧", "é", "e\u0301",
          "\u200d", "\n", "  ", "…", "Ω", "\u202e", "word", "Jane Roe"]
ODD_URLS = ['https://x.example/a?b=1&c="d"<e>|f', "file:///home/me/a.html", "javascript:alert(1)", "",
            "https://x.example/ space", "https://x.example/😀", "https://long.example/" + "a" * 3000]

fragments = st.one_of(st.sampled_from(PIECES), st.text(max_size=12))
nasty_text = st.lists(fragments, max_size=12).map("".join)


def _ten_thousand(text: str) -> str:
    unit = text or "x"
    return unit * (10_000 // len(unit) + 1)


# one draw in ten is a 10,000+ character monster
long_text = st.tuples(nasty_text, st.integers(0, 9)).map(lambda t: _ten_thousand(t[0]) if t[1] == 0 else t[0])
link_urls = st.one_of(st.sampled_from(ODD_URLS), st.integers(0, 99).map(lambda n: f"https://rel.example/{n}"))
links = st.lists(st.builds(Link, title=nasty_text, url=link_urls), max_size=6)
quotes = st.one_of(st.none(), st.builds(QuoteRef, text=long_text, speaker=st.one_of(st.none(), nasty_text),
                                        speaker_role=st.one_of(st.none(), nasty_text)))


@st.composite
def templates(draw):
    """What one article of a story looks like, minus its identity."""
    return dict(title=draw(st.one_of(nasty_text, long_text)), source=draw(nasty_text),
                summary=draw(st.lists(st.one_of(nasty_text, long_text), max_size=4)), key_quote=draw(quotes),
                related=draw(links), topic=draw(st.one_of(st.none(), st.sampled_from(["World", "<Sport>", "A&B"]))),
                hours_ago=draw(st.floats(0, 47)), copies=draw(st.integers(1, 5)))


def story_url(n: int) -> str:
    return f"https://s{n}.example/story-{n}"


def build_articles(shapes: list[dict], stories: int) -> list[StoryArticle]:
    """``stories`` stories cycling through the drawn shapes; story n's main URL is unique."""
    articles, next_id = [], 0
    for n in range(stories):
        shape = shapes[n % len(shapes)]
        for copy in range(shape["copies"]):
            next_id += 1
            articles.append(StoryArticle(
                article_id=next_id, story_id=f"story-{n}", title=shape["title"],
                url=story_url(n) if copy == 0 else f"https://alt{copy}.example/s{n}", source=shape["source"],
                # the first copy is earliest, so it is the main article (summaries tie)
                published=UNTIL - timedelta(hours=shape["hours_ago"], minutes=copy == 0),
                summary=shape["summary"], key_quote=shape["key_quote"], related=shape["related"],
                text=shape["title"], people=[], topic=shape["topic"]))
    return articles


SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def assert_telegram_ok(messages) -> str:
    for message in messages:
        plain, entities = check_message_text(message.text)  # raises like the Bot API would
        assert utf16_len(plain) == telegram_length(message.text) <= MAX_MESSAGE_LENGTH
        assert len(entities) <= MAX_ENTITIES  # beyond that Telegram drops formatting
        assert len(message.text) <= 9000  # far from ENTITIES_TOO_LONG
    return "\n".join(m.text for m in messages)


def assert_slack_ok(messages) -> str:
    for message in messages:
        assert validate_message({"text": message.text, "blocks": message.blocks}) == []
    return "\n".join(str(m.blocks) for m in messages)


@SETTINGS
@given(shapes=st.lists(templates(), min_size=1, max_size=6), stories=st.integers(1, 300))
def test_adversarial_digests_render_within_limits_and_lose_nothing(shapes, stories):
    digest = compose(build_articles(shapes, stories), since=SINCE, until=UNTIL, max_items=1000)
    assert len(digest.items) == stories
    telegram = assert_telegram_ok(render_telegram(digest))
    slack = assert_slack_ok(render_slack(digest))
    text = render_text(digest)
    for n in range(stories):
        assert telegram.count(f'href="{story_url(n)}"') == 1
        assert slack.count(f"<{story_url(n)}|") == 1
        assert text.count(f"  {story_url(n)}\n") == 1


@SETTINGS
@given(titles=st.lists(st.one_of(nasty_text, long_text), min_size=0, max_size=120), list_title=nasty_text)
def test_adversarial_article_lists_render_within_limits(titles, list_title):
    answer = ArticleList(title=list_title, articles=[
        ArticleRef(title=t, url=f"https://a.example/{n}", source=t, summary=[t]) for n, t in enumerate(titles)])
    telegram = assert_telegram_ok(render_telegram(answer))
    slack = assert_slack_ok(render_slack(answer))
    for n in range(len(titles)):
        assert len(re.findall(f'href="https://a.example/{n}"', telegram)) == 1
        assert slack.count(f"<https://a.example/{n}|") == 1


@SETTINGS
@given(name=nasty_text, role=st.one_of(st.none(), nasty_text),
       said=st.lists(st.tuples(long_text, st.sampled_from(ODD_URLS)), max_size=40))
def test_adversarial_who_cards_render_within_limits(name, role, said):
    card = PersonCard(name=name, role=role, roles=[role or ""], mentions=len(said),
                      quotes=[QuoteRef(text, name, role, url, text[:50]) for text, url in said])
    for answer in (WhoCard(name, [card]), WhoCard(name, [card, card]), WhoCard(name)):
        assert_telegram_ok(render_telegram(answer))
        assert_slack_ok(render_slack(answer))
