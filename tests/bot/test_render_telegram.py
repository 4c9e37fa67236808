"""render_telegram(): escaped HTML Telegram accepts, within 4096 UTF-16 units, split between
items; and the Telegram HTML model itself (tests/platforms/telegram_html.py)."""

from __future__ import annotations

import pytest

from bot.telegram.render import TELEGRAM_LIMIT, render_telegram, telegram_length
from digests.answers import ArticleList, ArticleRef, Button, DigestItem, WhoCard
from digests.models import Link
from tests.digests.answer_samples import NASTY, digest, every_answer, item, person
from tests.platforms.telegram_html import (
    TelegramBadRequest, TelegramParseError, check_message_text, parse_telegram_html, utf16_len,
)


def parse_all(messages):
    return [check_message_text(m.text) for m in messages]


@pytest.mark.parametrize("answer", every_answer(), ids=lambda a: type(a).__name__)
def test_every_answer_renders_to_html_telegram_accepts(answer):
    messages = render_telegram(answer)
    assert messages
    for (plain, _entities), message in zip(parse_all(messages), messages):
        assert utf16_len(plain) == telegram_length(message.text) <= TELEGRAM_LIMIT
        assert message.disable_web_page_preview


def test_article_text_is_shown_literally_never_as_markup():
    [message] = render_telegram(digest([item(1, headline=NASTY, quote=NASTY)]))
    plain, entities = parse_telegram_html(message.text)
    assert plain.count(NASTY) == 2  # headline and quote, character for character
    assert all(e.type in {"bold", "italic", "text_link", "blockquote"} for e in entities)


def test_headline_links_to_the_article_even_with_quotes_and_ampersands_in_the_url():
    url = 'https://news.example/a?x=1&y="2"&z=<3>'
    [message] = render_telegram(digest([item(1, url=url)]))
    plain, entities = parse_telegram_html(message.text)
    links = {e.url: plain_of(plain, e) for e in entities if e.type == "text_link"}
    assert links['https://news.example/a?x=1&y="2"&z=<3>'] == "Headline 1"
    assert links["https://other.example/1"] == "Other Site"


def plain_of(plain: str, entity) -> str:
    encoded = plain.encode("utf-16-le")
    return encoded[entity.offset * 2:(entity.offset + entity.length) * 2].decode("utf-16-le")


def test_item_shows_source_time_summary_and_attributed_quote():
    [message] = render_telegram(digest([item(1)]))
    plain, entities = parse_telegram_html(message.text)
    assert "Example News · 5 Mar 2024 09:30 UTC" in plain
    assert "Sentence one of story 1." in plain
    quote = next(e for e in entities if e.type == "blockquote")
    assert plain_of(plain, quote) == "“We will act.”\n— Jane Roe, Minister of Finance"


def test_file_urls_are_shown_as_text_not_links():
    [message] = render_telegram(digest([item(1, url="file:///home/me/article.html")]))
    plain, entities = parse_telegram_html(message.text)
    assert "Headline 1" in plain
    assert all(e.url != "file:///home/me/article.html" for e in entities)


def test_long_digest_splits_between_items_and_keeps_every_item_once():
    items = [item(n) for n in range(60)]
    messages = render_telegram(digest(items, buttons=[Button("Next page", "/digest --page 2")]))
    assert len(messages) > 1
    plains = [plain for plain, _ in parse_all(messages)]
    for n in range(60):
        assert sum(p.count(f"Headline {n}\n") for p in plains) == 1
    order = [int(line.split()[1]) for p in plains for line in p.split("\n") if line.startswith("Headline ")]
    assert order == list(range(60))
    assert plains[0].startswith("Morning digest") and plains[-1].endswith(f"Part {len(messages)} of {len(messages)}")
    assert messages[-1].buttons == [[Button("Next page", "/digest --page 2")]]
    assert all(not m.buttons for m in messages[:-1])


def test_many_short_items_never_pass_telegrams_100_entities():
    short = [DigestItem(f"s{n}", f"H{n}", f"https://n.example/{n}", "S", also=[Link("A", f"https://a.example/{n}")],
                        related=[Link("R", f"https://r.example/{n}")]) for n in range(200)]
    messages = render_telegram(digest(short))
    assert all(len(entities) <= 100 for _, entities in parse_all(messages))
    assert sum(p.count("\nH") + p.startswith("H") for p, _ in parse_all(messages)) == 200


def test_very_long_urls_keep_the_markup_light():
    items = [item(n, url=f"https://n.example/{n}/" + "a" * 3000) for n in range(10)]
    messages = render_telegram(digest(items))
    assert all(len(m.text) <= 9000 for m in messages)
    plains = "".join(p for p, _ in parse_all(messages))
    assert all(f"Headline {n}\n" in plains for n in range(10))


def test_a_ten_thousand_character_quote_is_cut_with_an_ellipsis():
    quote = "word " * 2000
    [message] = render_telegram(digest([item(1, quote=quote)]))
    plain, _ = check_message_text(message.text)
    assert "…”" in plain and "Jane Roe" in plain


def test_astral_characters_count_two_units():
    quote = "😀" * 10_000  # 20,000 UTF-16 units
    messages = render_telegram(digest([item(1, quote=quote, headline="𝕏" * 5000)]))
    for plain, _ in parse_all(messages):
        assert utf16_len(plain) <= TELEGRAM_LIMIT
        assert "\ufffd" not in plain


def test_who_card_variants_say_what_happened():
    [none] = render_telegram(WhoCard(query="Nobody"))
    assert "no one called “Nobody”" in parse_telegram_html(none.text)[0]
    one = "\n".join(parse_telegram_html(m.text)[0] for m in render_telegram(WhoCard("Jane", [person()])))
    assert "Jane Roe\nMinister of Finance" in one and "MP for Leeds" in one
    assert "Quote 0 & <more>" in one and "Article 1" in one
    several = parse_telegram_html(render_telegram(WhoCard("Roe", [person("Jane Roe"), person("John Roe")]))[0].text)[0]
    assert "could be 2 people" in several and "Jane Roe" in several and "John Roe" in several


def test_article_list_empty_and_buttons():
    [empty] = render_telegram(ArticleList(title="Search", empty_message="Nothing found."))
    assert parse_telegram_html(empty.text)[0] == "Search\nNothing found."
    refs = [ArticleRef(f"Title {n}", f"https://a.example/{n}") for n in range(3)]
    [message] = render_telegram(ArticleList("Latest", refs, buttons=[Button("More", "/latest --page 2")]))
    assert message.buttons == [[Button("More", "/latest --page 2")]]


def test_telegram_length_counts_what_telegram_counts():
    for html in ["<b>x</b>", "&amp;&lt;&gt;&quot;", "😀", '<a href="https://a.b/?q=1&amp;r=2">link</a>', "&#128512;"]:
        assert telegram_length(html) == utf16_len(parse_telegram_html(html)[0])
    assert telegram_length("<b>😀 &amp;</b>") == 4


# --- the model of Telegram's parser ------------------------------------------------------


@pytest.mark.parametrize("html, detail", [
    ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
    ("é <br>", 'Unsupported start tag "br" at byte offset 3'),  # bytes, not characters
    ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
    ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<b", "Unclosed start tag at byte offset 0"),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("Tom & Jerry", 'Unescaped "&" at byte offset 4'),
    ("&nbsp;", 'Unescaped "&" at byte offset 0'),
    ('<a href="javascript:alert(1)">x</a>', 'Tag "a" must have a valid http(s) or tg href at byte offset 0'),
    ("<a>x</a>", 'Tag "a" must have a valid http(s) or tg href at byte offset 0'),
])
def test_parser_refuses_like_telegram(html, detail):
    with pytest.raises(TelegramParseError) as caught:
        parse_telegram_html(html)
    assert caught.value.detail == detail
    assert str(caught.value) == f"Can't parse entities: {detail}"
    assert caught.value.description == f"Bad Request: can't parse entities: {detail}"


def test_lenient_mode_accepts_what_telegram_lets_through():
    assert parse_telegram_html("Tom & Jerry &nbsp;", strict=False) == ("Tom & Jerry &nbsp;", [])
    assert parse_telegram_html('<a href="nope">x</a>', strict=False) == ("x", [])


def test_parser_returns_entities_in_utf16_units():
    plain, entities = parse_telegram_html('😀 <b>bold <i>both</i></b> <a href="https://t.me/x">link</a>')
    assert plain == "😀 bold both link"
    assert [(e.type, e.offset, e.length) for e in entities] == [
        ("bold", 3, 9), ("italic", 8, 4), ("text_link", 13, 4)]


def test_message_checks_length_after_parsing_and_emptiness():
    check_message_text("<b>" + "a" * 4096 + "</b>")
    check_message_text("&amp;" * 4096)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        check_message_text("😀" * 2049)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        check_message_text("<b> </b>")
