"""render_text(), render_markdown() and print_answer(): readable, escaped, complete."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from digests.answers import HelpText, Notice, WhoCard
from digests.render.console import print_answer
from digests.render.text import escape_markdown, render_markdown, render_text
from tests.digests.answer_samples import NASTY, digest, every_answer, item, person


def console_output(answer) -> str:
    buffer = io.StringIO()
    print_answer(answer, Console(file=buffer, width=100, color_system=None, force_terminal=False))
    return buffer.getvalue()


@pytest.mark.parametrize("answer", every_answer(), ids=lambda a: type(a).__name__)
def test_every_answer_renders_in_all_three_forms(answer):
    assert render_text(answer).strip()
    assert render_markdown(answer).strip()
    assert console_output(answer).strip()


def test_plain_text_shows_the_item_as_written():
    text = render_text(digest([item(1, headline=NASTY)]))
    assert f"• {NASTY}" in text
    assert "https://news.example/1" in text
    assert "Example News · 5 Mar 2024 09:30 UTC" in text
    assert "“We will act.”" in text and "— Jane Roe, Minister of Finance" in text
    assert "Also: Other Site <https://other.example/1>" in text


def test_plain_text_cuts_a_ten_thousand_character_quote():
    text = render_text(digest([item(1, quote="word " * 2000)]))
    assert "…”" in text and len(text) < 3000


def test_markdown_escapes_article_text():
    md = render_markdown(digest([item(1, headline="*Big* [news](http://evil) <b> & _x_ #1")]))
    assert "### [\\*Big\\* \\[news\\](http://evil) \\<b\\> \\& \\_x\\_ \\#1](<https://news.example/1>)" in md


@pytest.mark.parametrize("text, escaped", [
    ("- not a list", "\\- not a list"),
    ("1. not a list", "1\\. not a list"),
    ("# not a heading", "\\# not a heading"),
    ("a|b ~c~ `d`", "a\\|b \\~c\\~ \\`d\\`"),
    ("plain words.", "plain words."),
])
def test_escape_markdown(text, escaped):
    assert escape_markdown(text) == escaped


def test_markdown_link_destination_survives_spaces_and_brackets():
    md = render_markdown(digest([item(1, url="https://x.example/a b(c)>")]))
    assert "](<https://x.example/a%20b(c)%3E>)" in md


def test_console_never_reads_article_text_as_markup():
    out = console_output(digest([item(1, headline="[bold red]Alert[/] [link=http://x]y[/link]")]))
    assert "[bold red]Alert[/] [link=http://x]y[/link]" in out


def test_console_shows_title_quotes_and_notice_level():
    out = console_output(WhoCard("Jane", [person()]))
    assert "Jane Roe" in out and "Quote 0 & <more>" in out and "Article 1" in out
    assert "❌ [b]Failed[/b]" in console_output(Notice("[b]Failed[/b]", "error"))


def test_help_lists_every_command():
    help_text = HelpText(commands=[("/who NAME", "who is NAME"), ("/digest", "today's digest")], intro="Hello")
    for rendered in (render_text(help_text), console_output(help_text)):
        assert "/who NAME" in rendered and "today's digest" in rendered and "Hello" in rendered
    assert "- `/who NAME` — who is NAME" in render_markdown(help_text)
